import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";

// The API as a stub behind fetch (set before the client module captures it).
const calls = vi.hoisted(() => {
  const seen: { url: string; body: unknown }[] = [];
  globalThis.fetch = (async (input: Request) => {
    seen.push({ url: input.url, body: await input.clone().json() });
    return new Response(JSON.stringify({ error: { code: "invalid_input", message: "at least 12 characters", field: "password" } }), {
      status: 422,
      headers: { "Content-Type": "application/json" },
    });
  }) as typeof fetch;
  return seen;
});

import { configureBaseUrl } from "../api/client";
import { AuthProvider } from "../auth";
import { LoginPage } from "./LoginPage";

configureBaseUrl("http://spothive.test");

describe("LoginPage", () => {
  it("signs up with the typed fields and shows the API's error beside the field it names", async () => {
    const user = userEvent.setup();
    render(
      <MemoryRouter>
        <AuthProvider>
          <LoginPage />
        </AuthProvider>
      </MemoryRouter>,
    );
    await user.click(screen.getByRole("tab", { name: "Sign up" }));
    await user.type(screen.getByLabelText("Organization"), "Acme");
    await user.type(screen.getByLabelText("Email"), "ops@acme.example");
    await user.type(screen.getByLabelText("Password"), "short");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText("at least 12 characters", { selector: "#password-err" })).toBeInTheDocument();
    expect(screen.getByLabelText("Password")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Email")).not.toHaveAttribute("aria-invalid");
    expect(calls).toEqual([{ url: "http://spothive.test/api/auth/signup", body: { org_name: "Acme", email: "ops@acme.example", password: "short" } }]);
  });
});
