/** shpjs ships no types: a zipped Shapefile in, GeoJSON (one FeatureCollection per layer) out. */
declare module 'shpjs' {
  export default function shp(input: ArrayBuffer | Uint8Array | string): Promise<unknown>;
}
