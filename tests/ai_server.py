"""A local OpenAI-compatible server for tests: chat completions, SSE streaming, errors.

The real `openai` client talks to it over HTTP. `reply` decides the answer from the
request (a str, or ("error", status) / ("hang",) for failures); the default reads the
prompt like a careful model would, so browser tests get grounded answers.
"""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def default_reply(request: dict) -> str:
    """Answer from what the prompt contains: the plan trait, or article [A1]."""
    system = request["messages"][0]["content"]
    last = request["messages"][-1]["content"]
    everything = "\n".join(m["content"] for m in request["messages"])
    if "What plan is this customer on?" in last:
        plan = re.search(r"^plan: (.+)$", everything, re.M)
        return f"This customer is on the {plan.group(1)} plan. [Profile]" if plan else "I don't know. [Profile]"
    article = re.search(r"^\[A1\] (.+)\n(.+)$", system, re.M)
    if "Reply with JSON only" in system:
        if article:
            return json.dumps({"confident": True, "handoff": False, "source": "A1",
                               "answer": f"Hi,\n\n{article.group(2)}\n\nBest regards,\nHalo AI"})
        return json.dumps({"confident": False, "handoff": True, "answer": "", "reason": "no article fits"})
    if article:
        return f"Hi there,\n\nThanks for reaching out. {article.group(2)} [A1]\n\nBest regards,\nSara"
    return "Hi there,\n\nThanks for reaching out. I don't know yet, but I will find out.\n\nBest regards"


class AIServer:
    """Start with .start(); .requests holds every request body; set .reply to script answers."""

    def __init__(self):
        self.requests: list[dict] = []
        self.reply = default_reply
        self.release = threading.Event()  # a hanging request waits for this (set on stop)
        self.chunk_size = 4
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def start(self) -> "AIServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def prompts(self) -> str:
        """Everything every request sent, as one string (to prove what never left Halo)."""
        return "\n".join(m["content"] for r in self.requests for m in r["messages"])

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                answer = server.reply(body) if callable(server.reply) else server.reply
                if isinstance(answer, tuple) and answer[0] == "hang":
                    server.release.wait(30)
                    return self._json(500, {"error": {"message": "released"}})
                if isinstance(answer, tuple) and answer[0] == "error":
                    return self._json(answer[1], {"error": {"message": "provider says no", "type": "server_error"}})
                if body.get("stream"):
                    return self._stream(body, answer)
                return self._json(200, _completion(body, answer))

            def _json(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body, answer):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                words = re.findall(r"\S+\s*|\s+", answer)
                for i in range(0, len(words), server.chunk_size):
                    piece = "".join(words[i:i + server.chunk_size])
                    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        return Handler


def _completion(body, answer):
    return {"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
