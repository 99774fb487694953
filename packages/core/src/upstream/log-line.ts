// What sits in front of a log line by the time a user saves it, stripped before any reader looks at the
// line itself. Every reader of EPP and vLLM logs goes through here, so a saved log is read the same way
// whatever wrapped it:
//  - ANSI SGR colour codes (vLLM colours level and process prefix on a tty; zap's console encoder with a
//    colour level encoder does the same);
//  - a trailing CR (logs copied through Windows tools);
//  - `kubectl logs --prefix`: "[pod/<name>/<container>] " (kubectl pkg/cmd/logs/logs.go addPrefixIfNeeded,
//    `fmt.Sprintf("[pod/%s/%s] ", ref.Name, o.ContainerName)`, written in front of every chunk the API server
//    streams, so in front of the timestamp below);
//  - `kubectl logs --timestamps`: an RFC 3339 timestamp with nanoseconds and a space, written by the
//    kubelet in front of the container's own line ("2025-06-01T12:00:00.123456789Z ");
//  - the CRI log file form "<RFC3339Nano> <stdout|stderr> <tag P|F> <line>" (what /var/log/pods/* holds
//    when a user copies the files instead of using kubectl; kubernetes pkg/kubelet/kuberuntime/logs/logs.go
//    parseCRILog).
// Both were read in stored copies of kubernetes/kubectl source on 2026-12-06 whose release is not pinned;
// the formats have been stable for years, but a reader meeting something else keeps the line as it is.
// Not stripped: anything the container itself printed, e.g. zap's own timestamp in the console encoding.

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const KUBECTL_PREFIX = /^\[pod\/([^/\]\s]+)\/[^\]]*\]\s?/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}) /;
const CRI_STREAM = /^(?:stdout|stderr) [FP] /;

export interface LogLine {
  /** The container's own line. */
  text: string;
  /** The pod named by a `kubectl logs --prefix` prefix, if there was one. */
  pod?: string;
}

/** Strip the wrappers above, in the order they are added (prefix, then timestamp, then CRI stream tag). */
export function unwrapLogLine(raw: string): LogLine {
  let text = raw.includes('\x1b') ? raw.replace(ANSI, '') : raw;
  if (text.endsWith('\r')) text = text.slice(0, -1);
  let pod: string | undefined;
  const k = KUBECTL_PREFIX.exec(text);
  if (k) {
    pod = k[1]!;
    text = text.slice(k[0].length);
  }
  const ts = RFC3339.exec(text);
  if (ts) {
    text = text.slice(ts[0].length);
    const cri = CRI_STREAM.exec(text);
    if (cri) text = text.slice(cri[0].length);
  }
  return pod === undefined ? { text } : { text, pod };
}
