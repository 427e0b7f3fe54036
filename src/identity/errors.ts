/** Keystone's errors: status, title and message as Keystone words them. */
import { HttpError } from '../http/errors.ts';

export { HttpError };

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The title Keystone gives a status. */
export function errorTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');
}

/** `{"error": {"code": 401, "message": "…", "title": "Unauthorized"}}` */
export function errorBody(status: number, message: string): { error: { code: number; message: string; title: string } } {
  return { error: { code: status, message, title: errorTitle(status) } };
}

/** The one 401 message Keystone gives, whatever the reason (it never says which part was wrong). */
export const AUTH_REQUIRED = 'The request you have made requires authentication.';

/** 401 with Keystone's one message. */
export const unauthorized = (): HttpError => new HttpError(401, AUTH_REQUIRED);
/** 400 with a message saying what is wrong. */
export const badRequest = (message: string): HttpError => new HttpError(400, message);
/** 403 ForbiddenAction for a policy rule, e.g. identity:list_users. */
export const forbiddenAction = (action: string): HttpError => new HttpError(403, `You are not authorized to perform the requested action: ${action}.`);
/** 404 "Could not find project: demo." */
export const notFound = (kind: string, id: string): HttpError => new HttpError(404, `Could not find ${kind}: ${id}.`);
/** 409 "Conflict occurred attempting to store project - …" */
export const conflict = (kind: string, details: string): HttpError => new HttpError(409, `Conflict occurred attempting to store ${kind} - ${details}.`);
/** The 409 of a duplicate name in a domain, as Keystone's SQL backend words it. */
export const duplicateName = (kind: string, name: string, domainId: string): HttpError => conflict(kind, `Duplicate entry found with name ${name} at domain ID ${domainId}`);
