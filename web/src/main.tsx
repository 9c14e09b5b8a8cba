import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { configureBaseUrl } from "./api/client";
import { loadConfig } from "./api/config";
import { App } from "./App";
import { AuthProvider } from "./auth";
import "./styles.css";

void loadConfig().then((config) => {
  if (config.apiUrl) configureBaseUrl(config.apiUrl);
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <BrowserRouter>
        <AuthProvider>
          <App />
        </AuthProvider>
      </BrowserRouter>
    </StrictMode>,
  );
});
