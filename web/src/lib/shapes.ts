/**
 * Names for the server's answers that several features share, derived from the typed client (no
 * hand-written copies): the configuration, the signed-in user, regions, grids and sites.
 */
import { api, type Answer } from './api';

export type AppConfig = Answer<typeof api.config.$get>;
export type BasemapConfig = AppConfig['basemap'];
export type User = Answer<typeof api.auth.me.$get>['user'];

export type RegionCollection = Answer<typeof api.regions.$get>;
export type RegionFeature = RegionCollection['features'][number];
export type RegionProps = RegionFeature['properties'];
export type RegionDetail = Answer<(typeof api.regions)[':code']['$get']>;
export type RegionStats = NonNullable<RegionDetail['properties']['stats']>;

export type GridCollection = Answer<typeof api.grids.$get>;
export type GridProps = GridCollection['features'][number]['properties'];
export type GridDetail = Answer<(typeof api.grids)[':id']['$get']>;

export type SiteDetail = Answer<(typeof api.sites)[':id']['$get']>;
export type SiteCategory = Answer<(typeof api)['site-categories']['$get']>['items'][number];
