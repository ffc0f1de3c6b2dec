"""A local HTTP server that speaks the OpenAI, Anthropic and Gemini wire formats, for tests.

It stands in for the network only: the real SDK clients talk to it over HTTP on
127.0.0.1 (a random port). Each API has a queue of scripted replies
(:meth:`FakeLLMServer.script`); when a queue runs dry its ``fallback`` reply
(or a 500) answers. Every request is recorded with its headers, JSON body and
arrival time, so a test can check what the SDK sent and when (Retry-After,
backoff). Helpers build the response bodies of each API.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROUTES: dict[str, re.Pattern[str]] = {
    "openai": re.compile(r"^/v1/chat/completions$"),
    "anthropic": re.compile(r"^/v1/messages$"),
    "gemini": re.compile(r"^/v1(?:beta)?/models/(?P<model>[^/:]+):generateContent$"),
}


@dataclass
class Reply:
    """One scripted answer: status, JSON (or raw text) body, headers, and a delay before it."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Recorded:
    api: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float


class FakeLLMServer:
    """A threaded HTTP server with per-API reply queues and a request log."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._queues: dict[str, deque[Reply]] = {api: deque() for api in ROUTES}
        self._fallback: dict[str, Reply | None] = dict.fromkeys(ROUTES)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    body = raw.decode("utf-8", "replace")
                path = self.path.split("?", 1)[0]
                api = next((name for name, rx in ROUTES.items() if rx.match(path)), None)
                if api is None:
                    self._send(Reply({"error": {"message": f"no route {path}"}}, status=404))
                    return
                with server._lock:
                    server.requests.append(
                        Recorded(
                            api=api,
                            method="POST",
                            path=self.path,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                            at=time.monotonic(),
                        )
                    )
                    queue = server._queues[api]
                    reply = queue.popleft() if queue else server._fallback[api]
                if reply is None:
                    reply = Reply({"error": {"message": "no scripted reply"}}, status=500)
                if reply.delay:
                    time.sleep(reply.delay)
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                if isinstance(reply.body, bytes | str):
                    payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                    content_type = "text/plain"
                else:
                    payload = json.dumps(reply.body).encode()
                    content_type = "application/json"
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", content_type)
                    self.send_header("content-length", str(len(payload)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # ------------------------------------------------------------------ control

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, api: str, *replies: Reply) -> None:
        """Queue replies for one API ('openai', 'anthropic', 'gemini'), answered in order."""
        with self._lock:
            self._queues[api].extend(replies)

    def always(self, api: str, reply: Reply) -> None:
        """The reply given once the queue of an API is empty."""
        with self._lock:
            self._fallback[api] = reply

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            for queue in self._queues.values():
                queue.clear()
            self._fallback = dict.fromkeys(ROUTES)

    def calls(self, api: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.api == api]


# ---------------------------------------------------------------- reply bodies


def openai_reply(
    content: str | None,
    *,
    refusal: str | None = None,
    model: str = "gpt-4o-2024-08-06",
    prompt_tokens: int = 1200,
    completion_tokens: int = 300,
    finish_reason: str = "stop",
) -> Reply:
    return Reply(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


def openai_error(
    status: int, message: str = "boom", *, headers: dict[str, str] | None = None
) -> Reply:
    return Reply(
        {"error": {"message": message, "type": "server_error", "code": None, "param": None}},
        status=status,
        headers=headers or {},
    )


def anthropic_reply(
    *,
    tool_input: dict[str, Any] | None = None,
    text: str | None = None,
    tool_name: str = "invoice_extraction",
    stop_reason: str | None = None,
    model: str = "claude-sonnet-5-5",
    input_tokens: int = 1500,
    output_tokens: int = 400,
) -> Reply:
    content: list[dict[str, Any]] = []
    if text is not None:
        content.append({"type": "text", "text": text})
    if tool_input is not None:
        content.append(
            {"type": "tool_use", "id": "toolu_test123", "name": tool_name, "input": tool_input}
        )
    if stop_reason is None:
        stop_reason = "tool_use" if tool_input is not None else "end_turn"
    return Reply(
        {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }
    )


def anthropic_error(
    status: int, message: str = "boom", *, headers: dict[str, str] | None = None
) -> Reply:
    kind = {400: "invalid_request_error", 429: "rate_limit_error", 529: "overloaded_error"}.get(
        status, "api_error"
    )
    return Reply(
        {"type": "error", "error": {"type": kind, "message": message}},
        status=status,
        headers=headers or {},
    )


def gemini_reply(
    text: str | None,
    *,
    finish_reason: str = "STOP",
    block_reason: str | None = None,
    model: str = "gemini-3.5-flash",
    prompt_tokens: int = 1100,
    output_tokens: int = 250,
    thoughts_tokens: int = 0,
) -> Reply:
    body: dict[str, Any] = {
        "modelVersion": model,
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "thoughtsTokenCount": thoughts_tokens,
            "totalTokenCount": prompt_tokens + output_tokens + thoughts_tokens,
        },
    }
    if block_reason is not None:
        body["promptFeedback"] = {"blockReason": block_reason}
        body["candidates"] = []
    else:
        candidate: dict[str, Any] = {"finishReason": finish_reason, "index": 0}
        if text is not None:
            candidate["content"] = {"role": "model", "parts": [{"text": text}]}
        body["candidates"] = [candidate]
    return Reply(body)


def gemini_error(
    status: int, message: str = "boom", *, headers: dict[str, str] | None = None
) -> Reply:
    names = {
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
        400: "INVALID_ARGUMENT",
    }
    return Reply(
        {"error": {"code": status, "message": message, "status": names.get(status, "UNKNOWN")}},
        status=status,
        headers=headers or {},
    )
