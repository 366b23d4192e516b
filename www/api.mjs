// The service's HTTP API as the web app uses it (same origin: the pages are served by
// `zkagg serve --web-root`). Every error the service returns is JSON {code, message}; api()
// turns it into an ApiError carrying both, so a page can show the service's own reason.

/** An error answer of the service (or a network failure: code "network"). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.detail = message;
  }
}

/**
 * `GET`/`POST` a JSON route. Resolves to the parsed body, or `null` for 204 (no content).
 * options: { method, body (any JSON value), signal, headers }.
 */
export async function api(path, { method = "GET", body, signal, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      signal,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "network", `${method} ${path}: ${e.message}`);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below if the status is an error
  }
  if (!response.ok) {
    throw new ApiError(response.status, json?.code ?? `http_${response.status}`, json?.message ?? text.slice(0, 200));
  }
  return json;
}

/** Formats a duration in milliseconds as "1.2 s", "3 min 04 s", "250 ms". */
export function duration(ms) {
  if (ms == null || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/** Formats a byte count as "12.3 MiB". */
export function bytes(n) {
  if (n == null) return "–";
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** Short form of a long hex or decimal string: "0x1234…abcd". */
export function short(text, keep = 6) {
  const s = String(text ?? "");
  return s.length <= 2 * keep + 1 ? s : `${s.slice(0, keep)}…${s.slice(-keep)}`;
}
