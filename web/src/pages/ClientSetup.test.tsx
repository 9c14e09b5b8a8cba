import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";

// The API behind fetch: link, verify (the account is then scanning), the accounts list the fallback polls.
const api = vi.hoisted(() => {
  const state = { status: "scanning", accountGets: 0 };
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const account = () => ({ account_id: "acc-1", aws_account_id: "310987654321", status: state.status, message: null, last_scan_at: state.status === "active" ? "2026-12-02T10:00:00Z" : null });
  globalThis.fetch = (async (input: Request) => {
    const path = new URL(input.url).pathname;
    if (path === "/api/connect/link") return json({ account_id: "acc-1", external_id: "ext-0123456789", role_name: "SpotHiveAccess", cloudformation_url: "https://console.aws.amazon.com/cloudformation", template_url: "https://x/template" });
    if (path === "/api/connect/verify") return json({ ...account(), status: "scanning" });
    if (path === "/api/connect/accounts") {
      state.accountGets += 1;
      return json([account()]);
    }
    if (path === "/api/client/clusters") return json({ clusters: [] });
    if (path === "/api/auth/me") return json({ user_id: "u", email: "ops@acme.example", org_id: "org-1", org_name: "Acme", role: "client", account_statuses: [], redirect_path: "/dashboard" });
    return json({ error: { code: "not_found", message: path, field: null } }, 404);
  }) as typeof fetch;
  return state;
});

import { fakeSocket } from "../testing/fakeSocket";
import { configureBaseUrl, session } from "../api/client";
import { AuthProvider } from "../auth";
import { ClustersProvider } from "../clusters";
import ClientSetup from "./ClientSetup";

const FakeSocket = fakeSocket((type, data) => ({ stream: "discovery:org-1", cursor: `${Date.now()}-0`, type, at: new Date().toISOString(), data: { account_id: "acc-1", ...data } }));

configureBaseUrl("http://spothive.test");

async function verify() {
  const user = userEvent.setup();
  render(
    <MemoryRouter>
      <AuthProvider>
        <ClustersProvider>
          <ClientSetup />
        </ClustersProvider>
      </AuthProvider>
    </MemoryRouter>,
  );
  await user.click(screen.getByRole("button", { name: "Link an AWS account" }));
  await user.type(await screen.findByLabelText(/Role ARN/), "arn:aws:iam::310987654321:role/SpotHiveAccess");
  await user.click(screen.getByRole("button", { name: "Verify" }));
  await screen.findByRole("progressbar");
}

describe("ClientSetup scan progress", () => {
  beforeEach(() => {
    FakeSocket.opened = [];
    api.status = "scanning";
    api.accountGets = 0;
    session.set("id-token-1");
    vi.stubGlobal("WebSocket", FakeSocket);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("follows the discovery stream, authenticated by the token as a subprotocol", async () => {
    await verify();
    const socket = FakeSocket.opened[0];
    expect(socket.url).toBe("ws://spothive.test/api/connect/stream?account_id=acc-1");
    expect(socket.protocols).toEqual(["spothive.v1", "bearer.id-token-1"]);
    const before = api.accountGets;
    socket.send("scan.started", { regions_total: 2, regions_scanned: 0, clusters_found: 0, instances_found: 0 });
    socket.send("scan.region", { region: "us-east-1", regions_total: 2, regions_scanned: 1, clusters_found: 1, instances_found: 20 });
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuetext", "Scanning EC2 and EKS… 1 of 2 region(s) (last: us-east-1)");
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "50");
    expect(screen.getByTestId("scan-finds")).toHaveTextContent("1 cluster(s) and 20 instance(s) found so far");
    // nothing was polled while the stream spoke
    expect(api.accountGets).toBe(before);
    api.status = "active";
    socket.send("scan.finished", { regions_total: 2, regions_scanned: 2, clusters_found: 1, instances_found: 20 });
    expect(await screen.findByRole("progressbar", { name: /Scan of 310987654321/ })).toHaveAttribute("aria-valuetext", "Scan complete");
    await screen.findByText(/Found 0 cluster/);
    expect(screen.getByTestId("scan-transport")).toHaveTextContent("followed live over the discovery stream");
  });

  it("an older scan's end replayed by the stream does not end this one", async () => {
    await verify();
    const socket = FakeSocket.opened[0];
    socket.send("scan.finished", { regions_total: 2, regions_scanned: 2, clusters_found: 0, instances_found: 0 });
    // the record still says scanning: the bar goes on
    await vi.waitFor(() => expect(api.accountGets).toBeGreaterThan(1));
    socket.send("scan.started", { regions_total: 2, regions_scanned: 0 });
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuetext", "Scanning EC2 and EKS… 0 of 2 region(s)");
  });

  it("falls back to polling when the socket is refused", async () => {
    await verify();
    api.status = "active";
    FakeSocket.opened[0].drop(4401, "token expired");
    expect(await screen.findByText("followed by polling (the stream was unavailable)")).toBeInTheDocument();
    await vi.waitFor(() => expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuetext", "Scan complete"));
  });
});
