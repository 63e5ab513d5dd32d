/**
 * The axios versions the peer range `^1.7.0` covers in tests: the newest, and 1.7.0 (installed as `axios-oldest`).
 * A user has one axios, so `attachTokenRefresh`'s types come from that one; here two copies meet in one program,
 * and 1.7.0's static lacks members 1.21 added (`mergeConfig`, `query`), hence the cast. The declarations are checked
 * against 1.7.0's own types by `tsconfig.axios-oldest.json`.
 */
import axios, { type AxiosStatic } from 'axios';
import axiosOldest from 'axios-oldest';

export interface AxiosVersion {
  readonly name: string;
  readonly axios: AxiosStatic;
}

const versionOf = (module: { VERSION: string }): string => module.VERSION;

export const axiosVersions: readonly AxiosVersion[] = [
  { name: `axios@${versionOf(axios)}`, axios },
  { name: `axios@${versionOf(axiosOldest)}`, axios: axiosOldest as unknown as AxiosStatic },
];
