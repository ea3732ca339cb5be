/** shpjs ships no types: a zipped Shapefile, or the extracted .shp (+ .dbf, .prj, .cpg), in; GeoJSON (one FeatureCollection per layer) out. */
declare module 'shpjs' {
  export default function shp(input: ArrayBuffer | Uint8Array | string
    | { shp: Uint8Array; dbf?: Uint8Array; prj?: string; cpg?: string }): Promise<unknown>;
}
