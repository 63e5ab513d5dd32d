export { bundlePage, bundlePageChunks } from './bundle.ts';
export { CHROMIUM_PATH, type LaunchedChromium, launchChromium } from './chromium.ts';
export { type CorsEmulation, type CorsEmulationOptions, startCorsEmulation } from './cors-emulation.ts';
export { type StaticFile, serveStatic } from './static-server.ts';
