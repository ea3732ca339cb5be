import { DEFAULT_LIMIT, MAX_LIMIT } from './ogc.params.ts';

/**
 * The API definition (conformance class "oas30"): OpenAPI 3.0, as OGC API – Features Part 1
 * and GDAL's OAPIF driver expect (3.1, which /api/openapi.json uses, is not what they read).
 * Built per request because the collection ids include the site categories, which are data.
 */
export function ogcOpenApi(base: string, collectionIds: string[]) {
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/problem' } } };
  const errors = {
    400: { description: '请求参数无效 Invalid parameter', content: problem },
    401: { description: '未登录 Not signed in: send a session cookie or `Authorization: Bearer <token>`', content: problem },
  };
  const notFound = { 404: { description: '不存在或不在权限范围内 Unknown, or outside the caller\'s scope', content: problem } };
  const f = { $ref: '#/components/parameters/f' };
  const json = (schema: string) => ({
    'application/json': { schema: { $ref: `#/components/schemas/${schema}` } },
    'text/html': { schema: { type: 'string' } },
  });
  const geojson = (schema: string) => ({
    'application/geo+json': { schema: { $ref: `#/components/schemas/${schema}` } },
    'text/html': { schema: { type: 'string' } },
  });

  return {
    openapi: '3.0.3',
    info: {
      title: '平安网格 OGC API – Features (Pingan Grid)',
      version: '1.0.0',
      description: 'Regions, grids (with their versions through `datetime`) and key sites of the caller\'s scope, '
        + 'as OGC API – Features Part 1 (core, GeoJSON, HTML, OpenAPI 3.0). Coordinates are CRS84 (lon/lat WGS84). '
        + 'Authenticate with a session cookie or `Authorization: Bearer <token>`.',
    },
    servers: [{ url: base }],
    security: [{ bearer: [] }, { session: [] }],
    tags: [{ name: 'Capabilities' }, { name: 'Data' }],
    paths: {
      '/': {
        get: {
          tags: ['Capabilities'], summary: '登录页 Landing page', operationId: 'getLandingPage', parameters: [f],
          responses: { 200: { description: 'Links to the API definition, conformance and collections', content: json('landingPage') }, ...errors },
        },
      },
      '/conformance': {
        get: {
          tags: ['Capabilities'], summary: '符合性声明 Conformance classes', operationId: 'getConformanceDeclaration', parameters: [f],
          responses: { 200: { description: 'The conformance classes implemented', content: json('confClasses') }, ...errors },
        },
      },
      '/api': {
        get: {
          tags: ['Capabilities'], summary: 'API 定义 This API definition', operationId: 'getApiDefinition', parameters: [f],
          responses: {
            200: { description: 'OpenAPI 3.0 document', content: { 'application/vnd.oai.openapi+json;version=3.0': { schema: { type: 'object' } }, 'text/html': { schema: { type: 'string' } } } },
            ...errors,
          },
        },
      },
      '/collections': {
        get: {
          tags: ['Capabilities'], summary: '数据集合 Feature collections', operationId: 'getCollections', parameters: [f],
          responses: { 200: { description: 'The collections', content: json('collections') }, ...errors },
        },
      },
      '/collections/{collectionId}': {
        get: {
          tags: ['Capabilities'], summary: '数据集合说明 One collection', operationId: 'describeCollection',
          parameters: [{ $ref: '#/components/parameters/collectionId' }, f],
          responses: { 200: { description: 'The collection', content: json('collection') }, ...errors, ...notFound },
        },
      },
      '/collections/{collectionId}/items': {
        get: {
          tags: ['Data'], summary: '要素 Features of a collection', operationId: 'getFeatures',
          description: 'Ordered by id (regions by code); follow the `next` and `prev` links, which page by key (`after`, `before`). '
            + '`numberMatched` is given on the first page only.',
          parameters: [
            { $ref: '#/components/parameters/collectionId' }, { $ref: '#/components/parameters/limit' },
            { $ref: '#/components/parameters/after' }, { $ref: '#/components/parameters/before' },
            { $ref: '#/components/parameters/offset' }, { $ref: '#/components/parameters/bbox' },
            { $ref: '#/components/parameters/datetime' }, f,
          ],
          responses: { 200: { description: 'A page of features', content: geojson('featureCollectionGeoJSON') }, ...errors, ...notFound },
        },
      },
      '/collections/{collectionId}/items/{featureId}': {
        get: {
          tags: ['Data'], summary: '单个要素 One feature', operationId: 'getFeature',
          parameters: [{ $ref: '#/components/parameters/collectionId' }, { $ref: '#/components/parameters/featureId' }, f],
          responses: { 200: { description: 'The feature', content: geojson('featureGeoJSON') }, ...errors, ...notFound },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token made with `npm run cli -- tokens create`' },
        session: { type: 'apiKey', in: 'cookie', name: 'pingan_session' },
      },
      parameters: {
        collectionId: { name: 'collectionId', in: 'path', required: true, schema: { type: 'string', enum: collectionIds } },
        featureId: { name: 'featureId', in: 'path', required: true, description: 'Grid or site id; a region\'s 12-digit code', schema: { type: 'string' } },
        limit: {
          name: 'limit', in: 'query', required: false, style: 'form', explode: false,
          description: `Features per page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}; outside that range: 400)`,
          schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
        },
        after: {
          name: 'after', in: 'query', required: false, style: 'form', explode: false,
          description: 'Keyset paging (the `next` link): features whose id (region code) is greater than this one', schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
        },
        before: {
          name: 'before', in: 'query', required: false, style: 'form', explode: false,
          description: 'Keyset paging (the `prev` link): the page of features just before this id (region code)', schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
        },
        offset: {
          name: 'offset', in: 'query', required: false, style: 'form', explode: false,
          description: 'Features to skip (in id order); deep offsets are slow, prefer the paging links', schema: { type: 'integer', minimum: 0, default: 0 },
        },
        bbox: {
          name: 'bbox', in: 'query', required: false, style: 'form', explode: false,
          description: 'minLon,minLat,maxLon,maxLat in CRS84 (six numbers with heights also accepted; heights are ignored)',
          schema: { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } },
        },
        datetime: {
          name: 'datetime', in: 'query', required: false, style: 'form', explode: false,
          description: 'An RFC 3339 instant or interval (`start/end`, `../end`, `start/..`). On `grids`: the grid versions valid '
            + 'at that time (a date is that whole day, UTC+8); without it, the current versions. Other collections hold only current data: '
            + 'the value is checked and does not filter.',
          schema: { type: 'string' },
        },
        f: {
          name: 'f', in: 'query', required: false, style: 'form', explode: false,
          description: 'Response format; without it, the Accept header decides', schema: { type: 'string', enum: ['json', 'html'] },
        },
      },
      schemas: {
        link: {
          type: 'object', required: ['href', 'rel'],
          properties: { href: { type: 'string' }, rel: { type: 'string' }, type: { type: 'string' }, title: { type: 'string' } },
        },
        landingPage: {
          type: 'object', required: ['links'],
          properties: { title: { type: 'string' }, description: { type: 'string' }, links: { type: 'array', items: { $ref: '#/components/schemas/link' } } },
        },
        confClasses: { type: 'object', required: ['conformsTo'], properties: { conformsTo: { type: 'array', items: { type: 'string' } } } },
        collection: {
          type: 'object', required: ['id', 'links'],
          properties: {
            id: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' },
            links: { type: 'array', items: { $ref: '#/components/schemas/link' } },
            extent: { type: 'object' }, itemType: { type: 'string' }, crs: { type: 'array', items: { type: 'string' } },
          },
        },
        collections: {
          type: 'object', required: ['links', 'collections'],
          properties: {
            links: { type: 'array', items: { $ref: '#/components/schemas/link' } },
            collections: { type: 'array', items: { $ref: '#/components/schemas/collection' } },
          },
        },
        featureGeoJSON: {
          type: 'object', required: ['type', 'geometry', 'properties'],
          properties: {
            type: { type: 'string', enum: ['Feature'] }, id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
            geometry: { type: 'object', nullable: true }, properties: { type: 'object', nullable: true },
            links: { type: 'array', items: { $ref: '#/components/schemas/link' } },
          },
        },
        featureCollectionGeoJSON: {
          type: 'object', required: ['type', 'features'],
          properties: {
            type: { type: 'string', enum: ['FeatureCollection'] },
            features: { type: 'array', items: { $ref: '#/components/schemas/featureGeoJSON' } },
            links: { type: 'array', items: { $ref: '#/components/schemas/link' } },
            timeStamp: { type: 'string', format: 'date-time' },
            numberMatched: { type: 'integer', minimum: 0 }, numberReturned: { type: 'integer', minimum: 0 },
          },
        },
        problem: {
          type: 'object',
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' },
            code: { type: 'string' }, params: { type: 'object' } },
        },
      },
    },
  };
}
