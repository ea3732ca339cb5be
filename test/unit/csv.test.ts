import { describe, expect, it } from 'vitest';
import { CsvError, decodeText, parseCsv } from '../../server/imports/csv.ts';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

describe('parseCsv (RFC 4180)', () => {
  it('splits plain records with CRLF or LF, with or without a final line end', () => {
    expect(fields('a,b,c\r\n1,2,3\r\n')).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
    expect(fields('a,b\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(fields('a,,c\n,,\n1,2,')).toEqual([['a', '', 'c'], ['', '', ''], ['1', '2', '']]);
  });

  it('reads quoted fields with separators, doubled quotes and line breaks', () => {
    const records = parseCsv('name,note\r\n"张三, 李四","他说""好"""\r\n"多\r\n行",x\r\nlast,y\r\n');
    expect(records.map((r) => r.fields)).toEqual([['name', 'note'], ['张三, 李四', '他说"好"'], ['多\r\n行', 'x'], ['last', 'y']]);
    // line numbers are where each record starts in the file
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 5]);
  });

  it('drops a byte-order mark and skips blank lines', () => {
    const records = parseCsv('\ufeffname\n\nA\n\r\nB\n');
    expect(records.map((r) => r.fields)).toEqual([['name'], ['A'], ['B']]);
    expect(records.map((r) => r.line)).toEqual([1, 3, 5]);
  });

  it('reads an empty quoted field as empty', () => {
    expect(fields('"",a\n')).toEqual([['', 'a']]);
  });

  it('refuses an unterminated quote and a stray quote, naming the line', () => {
    expect(() => parseCsv('a\n"open,b\nc')).toThrow(CsvError);
    expect(() => parseCsv('a\n"open,b\nc')).toThrow(/line 2/);
    expect(() => parseCsv('a,b\nx"y,z')).toThrow(/line 2: a quote inside an unquoted field/);
    expect(() => parseCsv('"a"b,c')).toThrow(/line 1: unexpected character after a closing quote/);
  });
});

describe('decodeText', () => {
  it('reads UTF-8, and falls back to GB18030 for files saved by Excel in China', () => {
    expect(decodeText(new TextEncoder().encode('姓名,电话'))).toBe('姓名,电话');
    // "张三" in GBK
    expect(decodeText(new Uint8Array([0xd5, 0xc5, 0xc8, 0xfd]))).toBe('张三');
  });
});
