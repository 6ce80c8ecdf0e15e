// Prometheus metrics kept in memory: request counts by route and status, a latency histogram,
// open WebSockets, live previews, and gauges read at scrape time.

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly histograms = new Map<string, { counts: number[]; sum: number; count: number }>();
  openWebSockets = 0;
  /** WebSocket previews: rendered, replaced by a newer request before rendering, and rendering or queued now. */
  readonly previews = { rendered: 0, superseded: 0, waiting: 0 };
  private readonly gauges: { name: string; help: string; read: () => number }[] = [];
  private readonly started = Date.now();

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method}\u0000${route}\u0000${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hk = `${method}\u0000${route}`;
    let h = this.histograms.get(hk);
    if (!h) {
      h = { counts: new Array(BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.histograms.set(hk, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  addGauge(name: string, help: string, read: () => number): void {
    this.gauges.push({ name, help, read });
  }

  render(): string {
    const out: string[] = [];
    out.push("# HELP pymd_http_requests_total HTTP requests by method, route and status.");
    out.push("# TYPE pymd_http_requests_total counter");
    for (const [k, n] of this.requests) {
      const [m, r, s] = k.split("\u0000");
      out.push(`pymd_http_requests_total{method="${label(m!)}",route="${label(r!)}",status="${s}"} ${n}`);
    }
    out.push("# HELP pymd_http_request_duration_seconds HTTP request latency.");
    out.push("# TYPE pymd_http_request_duration_seconds histogram");
    for (const [k, h] of this.histograms) {
      const [m, r] = k.split("\u0000");
      const l = `method="${label(m!)}",route="${label(r!)}"`;
      for (const [i, b] of BUCKETS.entries())
        out.push(`pymd_http_request_duration_seconds_bucket{${l},le="${b}"} ${h.counts[i]}`);
      out.push(`pymd_http_request_duration_seconds_bucket{${l},le="+Inf"} ${h.count}`);
      out.push(`pymd_http_request_duration_seconds_sum{${l}} ${h.sum}`);
      out.push(`pymd_http_request_duration_seconds_count{${l}} ${h.count}`);
    }
    out.push("# HELP pymd_websockets_open Open WebSocket connections.");
    out.push("# TYPE pymd_websockets_open gauge");
    out.push(`pymd_websockets_open ${this.openWebSockets}`);
    out.push("# HELP pymd_ws_previews_total WebSocket previews by outcome.", "# TYPE pymd_ws_previews_total counter");
    out.push(`pymd_ws_previews_total{outcome="rendered"} ${this.previews.rendered}`);
    out.push(`pymd_ws_previews_total{outcome="superseded"} ${this.previews.superseded}`);
    out.push(
      "# HELP pymd_ws_previews_waiting WebSocket previews rendering or queued.",
      "# TYPE pymd_ws_previews_waiting gauge",
    );
    out.push(`pymd_ws_previews_waiting ${this.previews.waiting}`);
    for (const g of this.gauges) {
      let v = NaN;
      try {
        v = g.read();
      } catch {
        // A gauge that cannot be read right now is reported as NaN rather than failing the scrape.
      }
      out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name} ${v}`);
    }
    out.push("# HELP pymd_process_uptime_seconds Seconds since the server started.");
    out.push("# TYPE pymd_process_uptime_seconds gauge");
    out.push(`pymd_process_uptime_seconds ${(Date.now() - this.started) / 1000}`);
    const mem = process.memoryUsage();
    out.push(
      "# HELP pymd_process_resident_memory_bytes Resident memory.",
      "# TYPE pymd_process_resident_memory_bytes gauge",
    );
    out.push(`pymd_process_resident_memory_bytes ${mem.rss}`);
    return out.join("\n") + "\n";
  }
}
