// Runtime config: /config.json, written beside the app by the deployment (API URL, Cognito ids); the
// local stack answers it too. A missing or unreadable file means "the API is on this origin".
export interface RuntimeConfig {
  apiUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
}

export const defaultConfig: RuntimeConfig = { apiUrl: "", region: "", userPoolId: "", userPoolClientId: "" };

export async function loadConfig(fetcher: typeof fetch = fetch): Promise<RuntimeConfig> {
  try {
    const response = await fetcher("/config.json", { cache: "no-store" });
    if (!response.ok) return defaultConfig;
    const body = (await response.json()) as Partial<RuntimeConfig>;
    return { ...defaultConfig, ...body };
  } catch {
    return defaultConfig;
  }
}
