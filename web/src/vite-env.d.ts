/// <reference types="vite/client" />
/// <reference types="svelte" />

interface Window {
  /** The MapLibre map, for browser tests and debugging. */
  __map?: import('maplibre-gl').Map;
}
