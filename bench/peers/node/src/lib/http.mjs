// The HTTP edge shared by both functions: API Gateway HTTP API (payload 2.0) events in,
// results out, and errors in the contract's shape {success: false, errorCode, errorMessage}.

const MAX_BODY_BYTES = 64 * 1024;

/** A failure a client sees: status, contract code, message, extra headers and fields. */
export class ApiError extends Error {
  constructor(status, code, message, { headers = {}, fields = {} } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.fields = fields;
  }
}

export const badRequest = (_field, message) => new ApiError(400, 'BAD_REQUEST', message);
export const unauthorized = (message) =>
  new ApiError(401, 'UNAUTHORIZED', message, { headers: { 'www-authenticate': 'Bearer' } });
export const notFound = (message) => new ApiError(404, 'NOT_FOUND', message);
export const conflict = (message) => new ApiError(409, 'CONFLICT', message);
export const methodNotAllowed = (method, allow) =>
  new ApiError(405, 'METHOD_NOT_ALLOWED', `This path does not support ${method}; use ${allow}.`, {
    headers: { allow },
  });

/** A JSON result for API Gateway. */
export function json(statusCode, body, { headers = {}, cookies } = {}) {
  const result = {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
  if (cookies) result.cookies = cookies;
  return result;
}

/** The contract's error result for `error`; anything unexpected is a logged 500. */
export function errorResult(error) {
  if (error instanceof ApiError) {
    return json(
      error.status,
      { ...error.fields, success: false, errorCode: error.code, errorMessage: error.message },
      { headers: error.headers },
    );
  }
  console.error('unhandled error', error);
  return json(500, {
    success: false,
    errorCode: 'INTERNAL_ERROR',
    errorMessage: 'Something went wrong on our side; the error has been logged.',
  });
}

/** Method and path of an event, the path without a trailing slash. */
export function route(event) {
  const method = event.requestContext?.http?.method ?? 'GET';
  let path = event.rawPath ?? '/';
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return { method, path };
}

/** A header by lower-case name. */
export const header = (event, name) => event.headers?.[name];

/** The body as an object: JSON or a URL-encoded form, at most 64 KiB. */
export function bodyObject(event) {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) {
    throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  if (raw.trim() === '') return {};
  const type = (header(event, 'content-type') ?? 'application/json').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const form = {};
    for (const [key, value] of new URLSearchParams(raw)) {
      const name = key.endsWith('[]') ? key.slice(0, -2) : key;
      if (name in form) form[name] = [].concat(form[name], value);
      else form[name] = value;
    }
    return form;
  }
  if (!(type.startsWith('application/json') || type.includes('+json'))) {
    throw badRequest('body', `Send the body as application/json (got ${type}).`);
  }
  let value;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw badRequest('body', `The body is not valid JSON: ${e.message}.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('body', 'The body must be a JSON object, like {"name": "..."}.');
  }
  return value;
}

/** A cookie of the event by name. */
export function cookie(event, name) {
  const all = event.cookies ?? (header(event, 'cookie') ?? '').split(';');
  for (const pair of all) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** Whether the client reached us over HTTPS (behind API Gateway or a TLS proxy). */
export const overHttps = (event) => (header(event, 'x-forwarded-proto') ?? '').toLowerCase() === 'https';
