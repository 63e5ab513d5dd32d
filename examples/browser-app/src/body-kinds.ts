/** The request bodies the browser tests replay after a 401, by client. */
export type BodyKind =
  | 'fetch:string'
  | 'fetch:urlsearchparams'
  | 'fetch:formdata'
  | 'fetch:blob'
  | 'fetch:arraybuffer'
  | 'fetch:uint8array'
  | 'fetch:request'
  | 'fetch:stream'
  | 'ky:json'
  | 'ky:string'
  | 'ky:formdata'
  | 'ky:urlsearchparams';

export const BODY_KINDS: readonly BodyKind[] = [
  'fetch:string',
  'fetch:urlsearchparams',
  'fetch:formdata',
  'fetch:blob',
  'fetch:arraybuffer',
  'fetch:uint8array',
  'fetch:request',
  'fetch:stream',
  'ky:json',
  'ky:string',
  'ky:formdata',
  'ky:urlsearchparams',
];
