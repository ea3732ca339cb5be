/**
 * Every problem the server answers, declared once: a stable machine `code` → HTTP status, RFC 9457
 * `type` (`/problems/<type>`, which also picks the bilingual title) and an English `detail` template
 * whose `{name}` placeholders are filled from the problem's `params`. The wire carries `code` and
 * `params` so clients (the web app: `problem.<code>` in web/src/i18n) say it in their own language;
 * `detail` is the English sentence for API and GIS clients. A code, once published, keeps its
 * meaning; add a new one rather than changing what an old one says.
 */
import type { Capability } from '../auth/capabilities.ts';
import type { ProblemType } from './problem.ts';

type Def = { status: number; type: ProblemType; detail: string };

// (generic in the template, so a throw site's params are checked against its placeholders)
const notFound = <W extends string>(what: W) => ({ status: 404, type: 'not-found', detail: `${what} does not exist or is outside your scope` }) as const;
const forbidden = <D extends string>(detail: D) => ({ status: 403, type: 'forbidden', detail }) as const;
const invalid = <D extends string>(detail: D, status = 422) => ({ status, type: 'validation', detail }) as const;
const geometry = <D extends string>(detail: D) => ({ status: 422, type: 'invalid-geometry', detail }) as const;
const conflict = <D extends string>(detail: D) => ({ status: 409, type: 'conflict', detail }) as const;
const illegal = <D extends string>(detail: D) => ({ status: 409, type: 'illegal-transition', detail }) as const;
const weak = <D extends string>(detail: D) => ({ status: 422, type: 'weak-password', detail }) as const;
const tooLarge = <D extends string>(detail: D) => ({ status: 413, type: 'archive-too-large', detail }) as const;

/** The 403 of a missing capability, one code per capability (`capability.<name>`). */
const capabilities = {
  'capability.editPlans': forbidden('only planners and administrators edit grid plans'),
  'capability.editSites': forbidden('only planners and administrators edit key sites'),
  'capability.importSites': forbidden('only planners and administrators import data'),
  'capability.editPeople': forbidden('only planners and administrators add people'),
  'capability.importPeople': forbidden('only planners and administrators import people'),
  'capability.assignMembers': forbidden('only planners and administrators assign people to grids'),
  'capability.viewCompliance': forbidden('the compliance report is for supervisors; grid members see their own check-ins at /api/patrols'),
  'capability.viewAudit': forbidden('the audit log is for administrators'),
  'capability.editPatrolRules': forbidden('patrol rules are changed by administrators'),
  'capability.myArea': forbidden('"my area" is for grid members (网格员): it shows the grids they answer for'),
  'capability.checkIn': forbidden('check-ins are made by grid members at the sites of their grids'),
  'capability.export': forbidden('your role may not export data'),
  'capability.manageBackups': forbidden('only administrators take and download backups'),
  'capability.report': forbidden('your role does not report incidents'),
  'capability.dispatch': forbidden('your role does not dispatch incidents'),
  'capability.close': forbidden('your role does not close incidents'),
  'capability.handleAsUnit': forbidden('only a unit\'s staff handle the incidents and notices of their unit'),
} as const satisfies Record<`capability.${Capability}`, Def>;

export const problemCodes = {
  // requests in general
  'request.invalid': invalid('{summary}', 400),
  'request.unknown-parameter': invalid('unknown query parameter(s): {names}', 400),
  'request.invalid-parameter': invalid('{parameter}: {reason}', 400),
  'request.malformed': invalid('the request cannot be read (a malformed body or parameter)', 400),
  'request.too-large': { status: 413, type: 'payload-too-large', detail: 'request bodies here are limited to {limit}' },
  'request.body-too-large': { status: 413, type: 'payload-too-large', detail: 'the request body is too large' },
  'request.unsupported-media-type': { status: 415, type: 'unsupported-media-type', detail: 'this media type is not accepted here' },
  'api.no-such-endpoint': { status: 404, type: 'not-found', detail: 'no such API endpoint' },
  'tiles.no-such-path': { status: 404, type: 'not-found', detail: 'tiles are at /tiles/<layer>/<z>/<x>/<y>.mvt with a layer of {layers}' },
  'internal': { status: 500, type: 'internal', detail: 'unexpected error; it has been logged' },
  'server.draining': { status: 503, type: 'not-ready', detail: 'the server is shutting down' },
  'server.database-unavailable': { status: 503, type: 'not-ready', detail: 'the database does not answer' },
  'fields.invalid': invalid('{summary}'),

  // database refusals that validation did not foresee (never the database's own message)
  'data.rule-broken': invalid('the change breaks a rule of the data ({constraint})'),
  'data.still-referenced': conflict('other records still refer to this one ({constraint})'),
  'data.conflict': conflict('the change conflicts with existing data ({constraint})'),
  'data.value-not-storable': invalid('a value cannot be stored (a NUL character, a number out of range, a malformed value…)', 400),

  // geometry in general
  'geometry.operation-failed': geometry('the geometry operation failed on this input (edges nearly touching or overlapping)'),
  'geometry.unreadable': geometry('not a readable GeoJSON geometry'),
  'geometry.invalid': geometry('the geometry is not valid: {reason}'),
  'geometry.ring-not-closed': geometry('the geometry is not valid: a ring must end where it starts'),

  // signing in, sessions, tokens, passwords
  'auth.unauthenticated': { status: 401, type: 'unauthenticated', detail: 'sign in, or send a bearer token' },
  'auth.malformed-authorization': { status: 401, type: 'unauthenticated', detail: 'a malformed Authorization header: send "Authorization: Bearer <token>" with one token, or none at all' },
  'auth.bad-credentials': { status: 401, type: 'bad-credentials', detail: 'wrong username or password' },
  'auth.wrong-current-password': { status: 403, type: 'bad-credentials', detail: 'the current password is wrong' },
  'auth.too-many-sign-ins': { status: 429, type: 'too-many-attempts', detail: 'too many failed sign-ins for this account; try again in {minutes} minutes' },
  'auth.too-many-attempts': { status: 429, type: 'too-many-attempts', detail: 'too many failed attempts for this account; try again in {minutes} minutes' },
  'auth.read-only-token': { status: 403, type: 'read-only-token', detail: 'this token may only read; make a read-write token to change data' },
  'auth.cross-site': { status: 403, type: 'cross-site', detail: 'a {site} request may not change anything here' },
  'auth.foreign-origin': { status: 403, type: 'cross-site', detail: 'requests from {origin} may not change anything here' },
  'password.too-short': weak('the password must have at least {min} characters'),
  'password.too-long': weak('the password may have at most {max} characters'),
  'password.too-simple': weak('the password needs three of: lower-case letters, upper-case letters, digits, Chinese characters, other characters'),
  'password.contains-username': weak('the password must not contain the username'),
  'password.too-common': weak('this password is too common'),
  'password.one-character': weak('the password must not repeat one character'),
  ...capabilities,

  // regions, grids, rules, backups, OGC
  'region.not-found': notFound('region'),
  'grid.not-found': notFound('grid'),
  'grid.outside-scope': forbidden('grid {gridCode} is outside your scope'),
  'rule.not-found': notFound('rule'),
  'rule.walking-unsupported': invalid('walking distances need a road network, and none is loaded; measure this rule by boundary or entrance'),
  'backup.not-found': notFound('backup'),
  'collection.not-found': notFound('collection {collection}'),
  'feature.not-found': notFound('feature {featureId} of {collection}'),

  // exports, statistics
  'export.rule-required': invalid('kind=violations needs rule=<rule id>', 400),
  'export.too-many-features': { status: 413, type: 'payload-too-large', detail: 'more than {max} features: export a smaller region or fewer categories as Shapefile, or use GeoJSON or CSV' },
  'period.reversed': invalid('from must not be after to', 400),
  'period.too-long': invalid('a period covers at most {maxDays} days', 400),
  'stats.unknown-category': invalid('unknown incident category {category}', 400),

  // grid planning
  'plan.not-found': notFound('plan'),
  'plan.whole-county': invalid('a plan covers one village or one township, not a whole county'),
  'plan.area-taken': conflict('an open draft (plan {planId}, {scopeCode}) held by {lockedBy} already covers this area'),
  'plan.not-draft': conflict('plan {planId} is {status}, not an open draft'),
  'plan.stale-version': conflict('plan {planId} is at version {currentVersion}; your edit was based on version {version}'),
  'plan.locked': conflict('plan {planId} is being edited by {lockedBy} until {lockExpiresAt}'),
  'plan.nothing-to-undo': conflict('nothing to undo'),
  'plan.nothing-to-redo': conflict('nothing to redo'),
  'plan.blocking-problems': invalid('the draft has {count} gap(s), overlap(s) or part(s) outside its villages; fix them before publishing'),
  'plan.base-changed': conflict('the published grids of this area changed after the draft was opened; open a new draft'),
  'plan.import-invalid-features': geometry('{invalid} of {total} features cannot be imported; nothing was imported'),
  'plan-grid.not-found': notFound('grid in this plan'),
  'plan-grid.outside-villages': geometry('the drawn grid does not lie in a village of this plan'),
  'grid.empty-after-clip': geometry('nothing is left of the drawn grid after clipping it to the village and its neighbours'),
  'grid.reshape-empty-after-clip': geometry('nothing is left of the grid after clipping it to the village and its neighbours'),
  'grid.split-line-misses': geometry('the line does not cut the grid into two or more parts: draw it across the grid, from edge to edge'),
  'grid.merge-across-villages': invalid('grids of different villages cannot be merged'),
  'grid.merge-not-adjacent': geometry('the grids do not share a boundary: merging them would make a grid of separate parts'),
  'grid.outside-village': geometry('the new shape lies outside the village'),

  // imports (files in general, zip archives, Shapefiles, key sites)
  'file.field-missing': invalid('attach the file as the multipart field "file"', 400),
  'zip.too-many-entries': tooLarge('the archive has {entries} entries; at most {maxEntries} entries are read'),
  'zip.declared-too-large': tooLarge('the archive declares more than {maxBytes} bytes unpacked; at most that much is read'),
  'zip.too-large': tooLarge('the archive unpacks to more than {maxBytes} bytes; at most that much is read'),
  'zip.unreadable': invalid('not a readable zip archive: {reason}'),
  'shapefile.no-layer': geometry('not a readable zipped Shapefile: the zip holds no .shp file'),
  'shapefile.several-layers': invalid('the zip holds {layers} layers; import one grid layer at a time'),
  'shapefile.unreadable': geometry('not a readable zipped Shapefile: {reason}'),
  'shapefile.empty': invalid('the Shapefile has no features'),
  'shapefile.invalid-features': geometry('{invalid} features are not polygons with lon/lat coordinates; nothing was imported'),
  'import.not-found': notFound('import'),
  'import.unreadable-file-type': { status: 415, type: 'unsupported-media-type', detail: 'cannot read "{fileName}": upload .geojson, .json, .csv, .kml or a zipped Shapefile (.zip)' },
  'import.csv-unreadable': invalid('not a readable CSV file: {reason}'),
  'import.csv-empty': invalid('the CSV file is empty'),
  'import.csv-no-coordinates': invalid('the CSV needs longitude and latitude columns (lon/lat, lng, 经度/纬度)'),
  'import.kml-unreadable': invalid('not a readable KML document: {reason}'),
  'import.kml-empty': invalid('the KML holds no placemarks'),
  'import.json-unreadable': invalid('not valid JSON: {reason}'),
  'import.not-feature-collection': invalid('a GeoJSON FeatureCollection is expected'),
  'import.row-errors': invalid('{invalid} of {total} rows cannot be imported; nothing was imported'),

  // key sites
  'site.not-found': notFound('site'),
  'site.wrong-geometry-kind': geometry('a {category} site is a {expected}, not a {actual}'),
  'site.outside-scope': geometry('the site lies in no grid you can see; draw it inside your area'),
  'site.changed-meanwhile': conflict('site {siteId} was changed meanwhile and is now at version {currentVersion}'),
  'site.stale-version': conflict('site {siteId} is at version {currentVersion}; your edit was based on version {version}'),
  'site.edit-forbidden': forbidden('you may not change this site'),
  'site.delete-forbidden': forbidden('you may not delete this site'),

  // incidents
  'incident.not-found': notFound('incident'),
  'incident.unknown-category': invalid('unknown incident category "{category}"'),
  'incident.outside-own-grids': forbidden('grid members report incidents inside the grids they serve'),
  'incident.point-outside-area': geometry('the point lies in no grid of your area'),
  'incident.action-forbidden': forbidden('you may not {action} this incident'),
  'incident.stale-version': conflict('incident {incidentCode} is at version {currentVersion}; your action was based on version {version}'),
  'incident.illegal-transition': illegal('an incident that is {state} does not allow the action {action}'),
  'incident.note-required': invalid('the action {action} needs a note (a reason or the result)'),
  'incident.unit-required': invalid('name the unit (unitId): the category has no default unit'),
  'incident.unknown-unit': invalid('unit {unitId} does not exist'),
  'incident.already-dispatched': illegal('the incident is already dispatched to {unitName}'),
  'incident.at-top-level': illegal('the incident is already at county level'),
  'incident.satisfied-required': invalid('a confirmation says whether the reporter is satisfied (data.satisfied: true or false)'),
  'incident.original-required': invalid('name the original incident (data.duplicateOf)'),
  'incident.duplicate-of-itself': invalid('an incident cannot duplicate itself'),
  'incident.unknown-original': invalid('incident {original} does not exist or is outside your scope'),
  'incident.duplicate-cycle': invalid('that incident is itself a duplicate of this one'),
  'incident.changed-meanwhile': conflict('incident {incidentCode} was changed meanwhile'),
  'violation.not-found': notFound('rule or site'),
  'violation.already-reported': conflict('this violation is already incident {incidentCode}'),
  'notification.not-found': notFound('unread notification'),
  'photo.not-found': notFound('photo'),
  'photo.file-missing': { status: 404, type: 'not-found', detail: 'the photo file is missing from the photo directory' },
  'photo.forbidden': forbidden('you may not add photos to this incident'),
  'photo.too-large': { status: 413, type: 'payload-too-large', detail: 'a photo may have at most {maxBytes} bytes; this one has {bytes}' },
  'photo.empty': invalid('the photo is empty', 400),
  'photo.unsupported-format': { status: 415, type: 'unsupported-media-type', detail: 'photos are JPEG, PNG or WebP; this file is {what}' },
  'photo.damaged': { status: 415, type: 'unsupported-media-type', detail: 'the {format} image is damaged' },

  // patrols
  'checkin.in-future': invalid('a check-in cannot be in the future'),
  'checkin.too-late': invalid('a check-in must be uploaded within {hours} hours of being made'),
  'checkin.site-not-found': notFound('site in your grids'),
  'checkin.too-far': { status: 422, type: 'too-far', detail: 'you are {distance} m from {siteName}; a check-in must be within {maxDistanceM} m' },
  'patrol-rule.not-found': notFound('patrol rule'),
  'patrol-rule.window-reversed': invalid('the window {window} ends before it starts'),

  // people and assignments
  'person.not-found': notFound('person'),
  'person.outside-scope': forbidden('{summary}'),
  'people-import.unsupported-media-type': { status: 415, type: 'unsupported-media-type', detail: 'send the CSV as text/csv, or as multipart/form-data with a field "file"' },
  'people-import.csv-unreadable': invalid('the file is not valid CSV: {reason}'),
  'people-import.empty': invalid('the file is empty: expected a header row (name, phone, gender, unit, village) and data rows'),
  'people-import.unknown-columns': invalid('unknown columns: {columns}; expected name, phone, gender, unit, village'),
  'people-import.no-name-column': invalid('the header has no name column'),
  'people-import.too-many-rows': invalid('at most {max} rows per file; this one has {rows}'),
  'people-import.row-errors': invalid('{errors} error(s) in {rows} row(s); nothing was imported'),
  'assignment.not-found': notFound('assignment'),
  'assignment.current-not-found': notFound('current assignment of person {personId} on this grid'),
  'assignment.closed-grid-version': conflict('grid {gridId} ({gridCode}) is a closed version; assign people to its current version'),
  'assignment.in-future': invalid('an assignment change cannot take effect in the future'),
  'assignment.duty-taken': conflict('{personName} already holds the duty {duty} on grid {gridCode}'),
  'assignment.already-ended': conflict('assignment {assignmentId} already ended at {endedAt}'),
  'assignment.end-before-start': invalid('assignment {assignmentId} starts at {startsAt}; it cannot end before that'),
  'handover.same-person': invalid('a handover needs two different people'),
  'handover.no-outgoing-duty': conflict('{personName} holds no current {duty} duty on grid {gridCode}'),
  // one bad row of an uploaded file (people CSV, key sites): `errors[]` of an import carry these codes too
  'row.field-count': invalid('{fields} fields, the header has {header}'),
  'row.name-required': invalid('name is required'),
  'row.name-too-long': invalid('name is longer than {max} characters'),
  'row.not-a-phone': invalid('"{phone}" is not a phone number (5–20 digits, + or -)'),
  'row.not-a-gender': invalid('"{gender}" is not a gender (M/F, 男/女)'),
  'row.not-a-village-code': invalid('"{village}" is not a 12-digit village code'),
  'row.unknown-unit': invalid('unknown unit code "{unit}"'),
  'row.unknown-village': invalid('unknown village code "{village}" (or outside your scope)'),
  'row.not-a-village': invalid('{village} is a {level}, not a village'),
  'row.unit-or-village-required': invalid('give a unit, a village, or both'),
  'row.outside-scope': forbidden('{region} is outside your scope'),
  'row.person-exists': invalid('{name} with phone {phone} is already in the directory'),
  'row.same-as-row': invalid('same name and phone as row {row}'),
  'row.feature-invalid-polygon': geometry('invalid polygon: {reason}'),
  'row.feature-outside-plan': geometry('lies in no village of this plan'),
  'row.feature-empty-after-clip': geometry('nothing is left after clipping it to its village'),
  'row.coordinates-not-numbers': invalid('longitude and latitude must be numbers'),
  'row.site-name-required': invalid('every site needs a name (column name or 名称)'),
  'row.not-a-geometry': invalid('not a GeoJSON geometry: {reason}'),
  'row.site-outside-area': geometry('lies in no grid of your area'),
  'row.site-invalid-geometry': geometry('not valid: {reason}'),
  'handover.too-early': invalid('{personName}\'s assignment starts at {startsAt}; the handover must be later'),
} as const satisfies Record<string, Def>;

export type ProblemCode = keyof typeof problemCodes;
