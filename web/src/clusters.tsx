// The caller's clusters and the one the configuration screens work on (kept in the URL's ?cluster=).
import { createContext, useContext, type ReactNode } from "react";
import { useSearchParams } from "react-router-dom";
import { api, call, type Schemas } from "./api/client";
import { useAsync } from "./lib/useAsync";

type Cluster = Schemas["ClusterResponse"];

interface ClustersValue {
  clusters: Cluster[] | undefined;
  loading: boolean;
  error: unknown;
  selected: Cluster | undefined;
  select: (clusterId: string) => void;
  reload: () => void;
}

const ClustersContext = createContext<ClustersValue | null>(null);

export function ClustersProvider({ children }: { children: ReactNode }) {
  const state = useAsync(() => call(api.GET("/api/client/clusters")).then((b) => b.clusters), []);
  const [params, setParams] = useSearchParams();
  const wanted = params.get("cluster");
  const selected = state.data?.find((c) => c.cluster_id === wanted) ?? state.data?.[0];
  const value: ClustersValue = {
    clusters: state.data,
    loading: state.loading,
    error: state.error,
    selected,
    reload: state.reload,
    select(clusterId) {
      const next = new URLSearchParams(params);
      next.set("cluster", clusterId);
      setParams(next, { replace: true });
    },
  };
  return <ClustersContext.Provider value={value}>{children}</ClustersContext.Provider>;
}

export function useClusters(): ClustersValue {
  const value = useContext(ClustersContext);
  if (!value) throw new Error("useClusters outside ClustersProvider");
  return value;
}

/** A select for the cluster a screen works on. */
export function ClusterPicker() {
  const { clusters, selected, select } = useClusters();
  if (!clusters || clusters.length < 2) return null;
  return (
    <label className="inline">
      Cluster{" "}
      <select value={selected?.cluster_id} onChange={(e) => select(e.target.value)}>
        {clusters.map((c) => (
          <option key={c.cluster_id} value={c.cluster_id}>
            {c.name} ({c.region})
          </option>
        ))}
      </select>
    </label>
  );
}
