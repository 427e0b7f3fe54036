import { Type } from 'typebox';

/** Keystone's parameter_types: ids, names, descriptions, flags, tags, URLs, endpoint interfaces. */
export const idString = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' });
export const nullableId = Type.Union([idString, Type.Null()]);
export const name64 = Type.String({ minLength: 1, maxLength: 64, pattern: '[\\S]+' });
export const name255 = Type.String({ minLength: 1, maxLength: 255, pattern: '[\\S]+' });
export const description = Type.Union([Type.String(), Type.Null()]);
export const enabled = Type.Boolean();
export const tags = Type.Array(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^,/]*$' }), { maxItems: 80, uniqueItems: true });
export const url = Type.String({ minLength: 0, maxLength: 225, pattern: '^[a-zA-Z0-9+.-]+:.+' });
export const endpointInterface = Type.Unsafe<'public' | 'internal' | 'admin'>({ type: 'string', enum: ['public', 'internal', 'admin'] });
