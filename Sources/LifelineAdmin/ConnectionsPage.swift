/// `GET /`: one self-contained page (inline CSS and script, no external assets) that fetches
/// `/connections?format=json` every second and shows a row per connection with its keepalive timeline drawn as a
/// bar: last traffic at the left, the probes due after `TCP_KEEPIDLE` every `TCP_KEEPINTVL`, the reset deadline at
/// the right, the present as a line, unanswered probes in red.
///
/// Rows carry `data-connection-id` and their cells stable classes (`c-peer`, `c-ka-idle`, …) for scripts and tests.
enum ConnectionsPage {
    static let html = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Lifeline — live connections</title>
        <style>
        body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #1d2330; background: #fafbfc; }
        h1 { font-size: 18px; margin: 0 0 4px; }
        #status { color: #5a6375; margin-bottom: 12px; }
        #status.error { color: #b3261e; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { padding: 4px 8px; border-bottom: 1px solid #e3e6ec; text-align: left; white-space: nowrap; }
        th { font-weight: 600; background: #f0f2f6; position: sticky; top: 0; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.downstream td.c-dir { color: #0b6bcb; }
        tr.upstream td.c-dir { color: #7b3fb5; }
        .legend span { display: inline-block; margin-right: 14px; }
        .sw { display: inline-block; width: 10px; height: 10px; vertical-align: middle; margin-right: 4px; }
        svg text { font: 10px system-ui, sans-serif; fill: #5a6375; }
        #empty { padding: 12px; color: #5a6375; }
        </style>
        </head>
        <body>
        <h1>Lifeline — live connections</h1>
        <div id="status" data-refreshes="0">loading…</div>
        <div class="legend">
        <span><i class="sw" style="background:#cfe8d5"></i>idle, before the first probe</span>
        <span><i class="sw" style="background:#fde7b0"></i>probing</span>
        <span><i class="sw" style="background:#1d2330"></i>now</span>
        <span><i class="sw" style="background:#d93025"></i>unanswered probe / reset deadline</span>
        <span><i class="sw" style="background:#8a94a6"></i>probe due</span>
        </div>
        <table>
        <thead><tr>
        <th>id</th><th>dir</th><th>peer</th><th>listener</th><th>chain</th><th>cluster</th><th>age</th>
        <th>rx</th><th>tx</th><th>idle</th><th>intvl</th><th>cnt</th><th>state</th><th>rtt</th><th>probes</th>
        <th>last rx</th><th>next probe</th><th>reset in</th><th>keepalive timeline</th>
        </tr></thead>
        <tbody id="rows"></tbody>
        </table>
        <div id="empty" hidden>no open connections</div>
        <script>
        "use strict";
        const cells = ["c-id", "c-dir", "c-peer", "c-listener", "c-chain", "c-cluster", "c-age", "c-rx", "c-tx",
          "c-ka-idle", "c-ka-intvl", "c-ka-cnt", "c-state", "c-rtt", "c-probes", "c-last-rx", "c-next-probe",
          "c-reset-in", "c-timeline"];
        const numeric = new Set(["c-id", "c-age", "c-rx", "c-tx", "c-ka-idle", "c-ka-intvl", "c-ka-cnt", "c-rtt",
          "c-probes", "c-last-rx", "c-next-probe", "c-reset-in"]);
        let refreshes = 0;

        function duration(ms) {
          if (ms === null || ms === undefined) return "–";
          if (ms < 1000) return ms + "ms";
          if (ms < 60000) return (ms / 1000).toFixed(1) + "s";
          const s = Math.floor(ms / 1000);
          if (s < 3600) return Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s";
          return Math.floor(s / 3600) + "h" + String(Math.floor(s / 60) % 60).padStart(2, "0") + "m";
        }

        function bytes(n) {
          if (n < 1024) return n + " B";
          if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
          return (n / 1048576).toFixed(1) + " MiB";
        }

        function svg(tag, attrs) {
          const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
          for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
          return el;
        }

        // The bar spans last traffic (left) to the reset deadline (right).
        function timeline(t) {
          const W = 320, H = 34, y = 6, h = 10;
          const root = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}` });
          if (!t || t.phase === "off") {
            root.appendChild(svg("rect", { x: 0, y, width: W, height: h, fill: "#eceff3", rx: 2 }));
            const label = svg("text", { x: 4, y: y + h + 15 });
            label.textContent = "keepalive off";
            root.appendChild(label);
            return root;
          }
          const end = Math.max(t.reset_after_ms || 0, t.since_last_traffic_ms, t.first_probe_after_ms || 0, 1);
          const x = ms => Math.min(W - 1, Math.max(0, ms / end * (W - 1)));
          const first = t.first_probe_after_ms;
          root.appendChild(svg("rect", { x: 0, y, width: x(first), height: h, fill: "#cfe8d5" }));
          root.appendChild(svg("rect", { x: x(first), y, width: W - x(first), height: h, fill: "#fde7b0" }));
          if (t.probes_before_reset !== null && t.phase !== "unacked_data") {
            for (let k = 0; k < t.probes_before_reset; k++) {
              const at = first + k * t.probe_interval_ms;
              const unanswered = k < t.probes_unanswered;
              root.appendChild(svg("circle", { cx: x(at), cy: y + h / 2, r: unanswered ? 4 : 3,
                fill: unanswered ? "#d93025" : "#8a94a6", class: unanswered ? "probe-unanswered" : "probe" }));
            }
          }
          if (t.reset_after_ms !== null) {
            root.appendChild(svg("rect", { x: x(t.reset_after_ms) - 2, y: y - 4, width: 3, height: h + 8,
              fill: "#d93025", class: "reset" }));
          }
          root.appendChild(svg("rect", { x: x(t.since_last_traffic_ms) - 1, y: y - 5, width: 2, height: h + 10,
            fill: "#1d2330", class: "now" }));
          const label = svg("text", { x: 0, y: y + h + 15 });
          label.textContent = t.phase === "unacked_data" ? "unacked data: probes held"
            : `quiet ${duration(t.since_last_traffic_ms)}` +
              (t.next_probe_in_ms !== null ? ` · probe in ${duration(t.next_probe_in_ms)}` : "") +
              (t.reset_in_ms !== null ? ` · reset in ${duration(t.reset_in_ms)}` : "");
          root.appendChild(label);
          return root;
        }

        function values(c) {
          const ka = c.keepalive, tcp = c.tcp, t = c.timeline;
          return {
            "c-id": [c.id], "c-dir": [c.direction], "c-peer": [c.peer], "c-listener": [c.listener || "–"],
            "c-chain": [c.filter_chain || "–"], "c-cluster": [c.cluster || "–"],
            "c-age": [duration(c.age_ms), c.age_ms], "c-rx": [bytes(c.rx_bytes), c.rx_bytes],
            "c-tx": [bytes(c.tx_bytes), c.tx_bytes],
            "c-ka-idle": [ka ? (ka.enabled ? ka.idle_s : "off") : "–"],
            "c-ka-intvl": [ka ? (ka.enabled ? ka.interval_s : "off") : "–"],
            "c-ka-cnt": [ka ? (ka.enabled ? ka.count : "off") : "–"],
            "c-state": [tcp ? tcp.state : "–"],
            "c-rtt": [tcp ? (tcp.rtt_us / 1000).toFixed(2) + " ms" : "–"],
            "c-probes": [tcp ? tcp.probes : "–"],
            "c-last-rx": [tcp ? duration(tcp.last_data_recv_ms) : "–"],
            "c-next-probe": [t ? duration(t.next_probe_in_ms) : "–"],
            "c-reset-in": [t ? duration(t.reset_in_ms) : "–"],
          };
        }

        function render(connections) {
          const body = document.getElementById("rows");
          const seen = new Set();
          for (const c of connections) {
            const id = String(c.id);
            seen.add(id);
            let row = body.querySelector(`tr[data-connection-id="${id}"]`);
            if (!row) {
              row = document.createElement("tr");
              row.dataset.connectionId = id;
              for (const name of cells) {
                const td = document.createElement("td");
                td.className = name + (numeric.has(name) ? " num" : "");
                row.appendChild(td);
              }
              body.appendChild(row);
            }
            row.className = c.direction;
            row.dataset.peer = c.peer;
            const v = values(c);
            for (const [name, [text, raw]] of Object.entries(v)) {
              const td = row.querySelector("td." + name);
              td.textContent = text;
              if (raw !== undefined) td.dataset.value = raw;
            }
            const bar = row.querySelector("td.c-timeline");
            bar.replaceChildren(timeline(c.timeline));
          }
          for (const row of [...body.children]) {
            if (!seen.has(row.dataset.connectionId)) row.remove();
          }
          document.getElementById("empty").hidden = connections.length > 0;
        }

        async function refresh() {
          const status = document.getElementById("status");
          try {
            const response = await fetch("/connections?format=json", { cache: "no-store" });
            if (!response.ok) throw new Error("HTTP " + response.status);
            const connections = await response.json();
            render(connections);
            refreshes += 1;
            status.className = "";
            status.dataset.refreshes = refreshes;
            status.textContent = `${connections.length} connection(s) · updated ${new Date().toLocaleTimeString()}`;
          } catch (error) {
            status.className = "error";
            status.textContent = "cannot load /connections: " + error.message;
          }
        }

        refresh();
        setInterval(refresh, 1000);
        </script>
        </body>
        </html>

        """#
}
