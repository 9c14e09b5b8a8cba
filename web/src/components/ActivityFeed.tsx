// client-home-feed-unique-indep-view-live: the latest actions, refreshed every 15 s while the page is open.
import { useEffect } from "react";
import { api, call } from "../api/client";
import { when } from "../lib/format";
import { useAsync } from "../lib/useAsync";
import { Empty, ErrorNote, Loading } from "./States";

export function ActivityFeed() {
  const feed = useAsync(() => call(api.GET("/api/activity/live")), []);
  useEffect(() => {
    const timer = setInterval(feed.reload, 15000);
    return () => clearInterval(timer);
  }, [feed.reload]);
  if (feed.loading && !feed.data) return <Loading />;
  if (feed.error && !feed.data) return <ErrorNote error={feed.error} onRetry={feed.reload} />;
  const events = feed.data?.events ?? [];
  if (!events.length) return <Empty title="No activity yet" />;
  return (
    <ol className="feed" aria-live="polite">
      {events.map((e) => (
        <li key={e.id}>
          <time dateTime={e.timestamp}>{when(e.timestamp)}</time> <code>{e.action}</code> {e.message} <span className="muted">— {e.actor}</span>
        </li>
      ))}
    </ol>
  );
}
