/**
 * A small RFC 4180 CSV parser (no CSV package is installed): comma-separated fields, optional
 * double quotes, "" as an escaped quote inside quotes, CRLF or LF line ends, line breaks inside
 * quoted fields. A byte-order mark is dropped. Lenient where spreadsheets are (a missing final line
 * end, blank lines skipped); strict where data could be silently wrong (a stray quote or an
 * unterminated quoted field is an error naming the line).
 */
export interface CsvRecord {
  /** 1-based line number where the record starts (the header is line 1). */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

export function parseCsv(text: string): CsvRecord[] {
  return [...iterateCsv(text)];
}

/** The records of a CSV text one at a time, so that a large file never becomes one big array. */
export function* iterateCsv(text: string): Generator<CsvRecord> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  // true once the current field was quoted: then only a separator or line end may follow
  let quoted = false;
  let fieldStarted = false;

  const endField = () => { fields.push(field); field = ''; quoted = false; fieldStarted = false; };
  const endRecord = () => {
    endField();
    // a blank line is no record (a single empty field)
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
  };

  while (i < text.length) {
    if (records.length) yield records.pop()!;
    const ch = text[i];
    if (quoted) {
      if (ch === ',') { endField(); i++; continue; }
      if (ch === '\r' || ch === '\n') {
        endRecord();
        i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        recordLine = line;
        continue;
      }
      throw new CsvError(line, 'unexpected character after a closing quote (a quote inside a field must be doubled: "")');
    }
    if (ch === '"') {
      if (fieldStarted) throw new CsvError(line, 'a quote inside an unquoted field; quote the whole field and double the quote');
      const startLine = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvError(startLine, 'a quoted field is not closed');
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (c === '\n') line++;
        else if (c === '\r' && text[i + 1] !== '\n') line++;
        field += c;
        i++;
      }
      quoted = true;
      fieldStarted = true;
      continue;
    }
    if (ch === ',') { endField(); i++; continue; }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += ch;
    fieldStarted = true;
    i++;
  }
  if (fieldStarted || fields.length) endRecord();
  if (records.length) yield records.pop()!;
}

/** Decodes an uploaded file: UTF-8 if it is valid UTF-8, else GB18030 (what Excel saves in China). */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}
