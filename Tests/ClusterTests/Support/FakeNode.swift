import Foundation

/// A stand-in for `edgeraft node` (a Python script named `edgeraft`, so that `cluster down`'s
/// pid check accepts it): reads its config, and if it is a gateway serves `/v1/health` and a
/// `/v1/cluster` that names node 1 leader and every peer heard from — or no leader while
/// the file `no-leader` exists in the cluster's directory.
enum FakeNode {
    static let script = #"""
        #!/usr/bin/env python3
        import http.server, json, os, re, sys, time
        config = sys.argv[3]
        text = open(config).read()
        node = int(re.search(r'^node-id: (\d+)', text, re.M).group(1))
        peers = [int(p) for p in re.findall(r'^  - id: (\d+)', text, re.M)]
        cluster_dir = os.path.dirname(os.path.dirname(config))
        with open(os.path.join(os.path.dirname(config), 'pid'), 'w') as f:
            f.write(str(os.getpid()))
        gateway = re.search(r'^gateway:\n  listen: "127\.0\.0\.1:(\d+)"', text, re.M)
        print('fake node %d up' % node, flush=True)
        if not gateway:
            while True:
                time.sleep(60)
        link = {"smoothedRTTMicros": 300, "retransmissions": 0, "drops": 0, "sessionEstablished": True, "datagramsSent": 10, "bytesSent": 500}
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == '/v1/health':
                    body = {"status": "ok", "node": node}
                elif self.path == '/v1/cluster':
                    leader = None if os.path.exists(os.path.join(cluster_dir, 'no-leader')) else 1
                    members = [{"id": node, "address": "127.0.0.1:1", "voter": True}]
                    members += [{"id": p, "address": "127.0.0.1:1", "voter": True, "link": link} for p in peers]
                    body = {"node": node, "clusterId": 1, "mode": "stable", "role": "follower", "leader": leader,
                            "term": 2, "commitIndex": 5, "appliedIndex": 5, "members": members}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def log_message(self, *args):
                pass
        http.server.HTTPServer(('127.0.0.1', int(gateway.group(1))), Handler).serve_forever()
        """#

    /// Writes the script to `folder/edgeraft` under the harness and returns its path.
    static func install(_ harness: ProcessHarness, folder: String = "fake-bin") throws -> String {
        try FileManager.default.createDirectory(atPath: harness.path(folder), withIntermediateDirectories: true)
        let path = harness.path(folder + "/edgeraft")
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    static func pid(_ directory: String, node: Int) -> Int32? {
        (try? String(contentsOfFile: "\(directory)/node-\(node)/pid", encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
