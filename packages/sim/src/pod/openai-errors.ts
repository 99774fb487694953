// vLLM's error bodies. vLLM v0.10.1 (PR #22099) nests the error: {"error":{"message","type","param","code"}};
// before that the HTTP body was flat {"object":"error","message","type","param","code"} and a
// stream error frame wrapped the flat object under "error".
export type ErrorShape = 'v0.10.1' | 'legacy';

const TYPES: Record<number, string> = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  403: 'PermissionDeniedError',
  404: 'NotFoundError',
  408: 'RequestTimeoutError',
  413: 'RequestEntityTooLargeError',
  422: 'UnprocessableEntityError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  502: 'BadGatewayError',
  503: 'ServiceUnavailableError',
  504: 'GatewayTimeoutError',
};

export function errorType(status: number): string {
  return TYPES[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequestError');
}

export interface ApiError {
  status: number;
  message: string;
  param?: string | null;
}

export function errorBody(shape: ErrorShape, e: ApiError): Record<string, unknown> {
  const inner = { message: e.message, type: errorType(e.status), param: e.param ?? null, code: e.status };
  return shape === 'legacy' ? { object: 'error', ...inner } : { error: inner };
}

/** The JSON of an in-stream `data: {...}` error frame. */
export function streamErrorFrame(shape: ErrorShape, e: ApiError): Record<string, unknown> {
  const body = errorBody(shape, e);
  return shape === 'legacy' ? { error: body } : body;
}

export function apiError(status: number, message: string, param?: string | null): ApiError {
  return { status, message, param: param ?? null };
}

/** Default messages for forced errors (faults, X-Return-Error), after llm-d-inference-sim's failures.go. */
export function defaultErrorMessage(status: number, model: string): string {
  switch (status) {
    case 429:
      return `Rate limit reached for ${model} in organization org-xxx on requests per min (RPM): Limit 3, Used 3, Requested 1.`;
    case 401:
      return 'Incorrect API key provided.';
    case 404:
      return `The model \`${model}\` does not exist.`;
    case 503:
      return 'The server is overloaded or not ready yet.';
    case 400:
      return 'Invalid request.';
    default:
      return status >= 500 ? 'Internal server error.' : `Request failed with status ${status}.`;
  }
}
