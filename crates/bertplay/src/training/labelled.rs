//! Labelled rows for sequence classification, read from the files people already have: CSV
//! (RFC 4180), TSV as GLUE ships it (SST-2's `sentence\tlabel`), or JSON Lines. Every row keeps its
//! 1-based line number, so a message about a bad row points at the line to fix.

use serde_json::Value;

use crate::error::{BertError, Detail, Result};

/// How a labelled file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    /// Comma separated, with `"quoted, fields"` that may hold commas, `""` and newlines.
    Csv,
    /// Tab separated, no quoting: a quote is an ordinary character.
    Tsv,
    /// One JSON object per line.
    Jsonl,
}

impl DataFormat {
    /// The format a file's extension names.
    pub fn from_file_name(name: &str) -> Result<Self> {
        let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        match extension.as_str() {
            "csv" => Ok(Self::Csv),
            "tsv" => Ok(Self::Tsv),
            "jsonl" | "json" | "ndjson" => Ok(Self::Jsonl),
            _ => Err(BertError::Input(crate::detail!(
                "input.data_format",
                "cannot tell the format of {name:?}: name it .csv, .tsv or .jsonl (JSON Lines, also .json or .ndjson)",
                name = name,
            ))),
        }
    }

    /// The format of pasted text, guessed from its first non-blank line: a JSON object, a line
    /// with a tab, or else CSV.
    pub fn sniff(bytes: &[u8]) -> Self {
        let first = bytes.split(|&b| b == b'\n').map(|l| l.trim_ascii()).find(|l| !l.is_empty()).unwrap_or(b"");
        if first.starts_with(b"{") {
            Self::Jsonl
        } else if first.contains(&b'\t') {
            Self::Tsv
        } else {
            Self::Csv
        }
    }
}

/// One example: a text (or a pair) and its label, as written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledRow {
    pub text: String,
    pub text_b: Option<String>,
    pub label: String,
    /// 1-based line the row starts on.
    pub line: usize,
}

/// What to do with a row that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadRows {
    /// Stop at the first one: a file with bad rows is often a file read in the wrong format.
    Fail,
    /// Leave it out and say why in [`LabelledData::skipped`].
    Skip,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledData {
    pub rows: Vec<LabelledRow>,
    /// `(line, reason)` for each row left out under [`BadRows::Skip`].
    pub skipped: Vec<(usize, Detail)>,
}

/// Reads labelled rows. CSV and TSV need a header naming a `text` (or `sentence`, `sentence1`)
/// column and a `label` column, optionally `text_b` (or `sentence2`); other columns are ignored.
/// JSON Lines objects use the same names as keys. Blank lines are ignored everywhere.
pub fn parse_labelled(bytes: &[u8], format: DataFormat, bad: BadRows) -> Result<LabelledData> {
    let utf8 = from_utf16(bytes)?;
    let bytes = utf8.as_deref().unwrap_or(bytes);
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut sink = Sink { bad, data: LabelledData { rows: Vec::new(), skipped: Vec::new() } };
    match format {
        DataFormat::Csv => read_table(split_quoted(bytes, csv_separator(bytes))?, &mut sink)?,
        DataFormat::Tsv => read_table(split_tsv(bytes), &mut sink)?,
        DataFormat::Jsonl => read_jsonl(bytes, &mut sink)?,
    }
    sink.finish()
}

/// A UTF-16 file (spreadsheets save "Unicode" text so, with a byte-order mark) as UTF-8;
/// `None` for anything else.
fn from_utf16(bytes: &[u8]) -> Result<Option<Vec<u8>>> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return Ok(None),
    };
    let units = bytes[2..].chunks(2).map(|b| match b {
        [x, y] if little => Ok(u16::from_le_bytes([*x, *y])),
        [x, y] => Ok(u16::from_be_bytes([*x, *y])),
        _ => Err(BertError::Input(crate::detail!(
            "input.utf16_cut",
            "the UTF-16 file ends in the middle of a character"
        ))),
    });
    let units = units.collect::<Result<Vec<u16>>>()?;
    let text = String::from_utf16(&units).map_err(|_| {
        BertError::Input(crate::detail!(
            "input.utf16_invalid",
            "the UTF-16 file holds an invalid character: save it as CSV UTF-8"
        ))
    })?;
    Ok(Some(text.into_bytes()))
}

/// The separator a CSV's header uses: a comma, or a semicolon (spreadsheets in locales whose
/// decimal mark is a comma) or a tab when the header has no comma.
fn csv_separator(bytes: &[u8]) -> u8 {
    let header = bytes.split(|&b| b == b'\n').find(|l| !l.trim_ascii().is_empty()).unwrap_or(b"");
    [b',', b';', b'\t'].into_iter().find(|s| header.contains(s)).unwrap_or(b',')
}

/// Distinct labels, in the order that gives them their ids: numeric when every label is an
/// integer (so SST-2's "0", "1" become ids 0, 1 and "10" follows "9"), otherwise lexicographic.
pub fn label_names(rows: &[LabelledRow]) -> Vec<String> {
    let mut names: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    names.sort();
    names.dedup();
    let numbers: Option<Vec<i64>> = names.iter().map(|n| n.parse().ok()).collect();
    if let Some(numbers) = numbers {
        let mut keyed: Vec<(i64, String)> = numbers.into_iter().zip(names).collect();
        keyed.sort();
        names = keyed.into_iter().map(|(_, n)| n).collect();
    }
    names
}

/// The most rows a file may hold (SST-2's training set has 67,349; IMDB's 25,000).
pub const MAX_ROWS: usize = 1_000_000;
/// The longest text a row may hold, in characters (IMDB's longest review is about 14,000):
/// longer is usually a quote left open that swallowed the rest of the file.
pub const MAX_TEXT_CHARS: usize = 100_000;

/// Where rows go, good or bad, according to [`BadRows`].
struct Sink {
    bad: BadRows,
    data: LabelledData,
}

impl Sink {
    fn push(&mut self, line: usize, row: std::result::Result<LabelledRow, Detail>) -> Result<()> {
        if self.data.rows.len() + self.data.skipped.len() == MAX_ROWS {
            return Err(BertError::Input(crate::detail!(
                "input.too_many_rows",
                "line {line}: the file has more than {max} rows; a run here reads at most {max}",
                line = line,
                max = MAX_ROWS,
            )));
        }
        match (row, self.bad) {
            (Ok(row), _) => self.data.rows.push(row),
            (Err(reason), BadRows::Fail) => {
                return Err(BertError::Input(crate::detail!(
                    "input.bad_row",
                    "line {line}: {reason}",
                    line = line,
                    reason = reason
                )))
            }
            (Err(reason), BadRows::Skip) => self.data.skipped.push((line, reason)),
        }
        Ok(())
    }

    fn finish(self) -> Result<LabelledData> {
        if !self.data.rows.is_empty() {
            return Ok(self.data);
        }
        match self.data.skipped.first() {
            None => Err(BertError::Input(crate::detail!("input.no_rows", "the file has no rows"))),
            Some((line, reason)) => Err(BertError::Input(crate::detail!(
                "input.no_usable_rows",
                "the file has no usable rows: {bad} bad, the first at line {line}: {reason}",
                bad = self.data.skipped.len(),
                line = line,
                reason = reason,
            ))),
        }
    }
}

/// The columns a row is built from, each with the names it goes by (first match wins).
const TEXT: &[&str] = &["text", "sentence", "sentence1"];
const TEXT_B: &[&str] = &["text_b", "sentence2"];
const LABEL: &[&str] = &["label"];

fn find(names: &[String], synonyms: &[&str]) -> Option<usize> {
    synonyms.iter().find_map(|s| names.iter().position(|n| n.trim().eq_ignore_ascii_case(s)))
}

/// Checks one row's values; the error is the reason it is bad.
fn build_row(
    line: usize,
    text: String,
    text_b: Option<String>,
    label: &str,
) -> std::result::Result<LabelledRow, Detail> {
    if text.trim().is_empty() {
        return Err(crate::detail!("row.empty_text", "the text is empty"));
    }
    if text_b.as_ref().is_some_and(|b| b.trim().is_empty()) {
        return Err(crate::detail!("row.empty_text_b", "text_b is empty"));
    }
    let too_long = |field: Option<&String>| field.map_or(0, |f| f.chars().count()) > MAX_TEXT_CHARS;
    if too_long(Some(&text)) {
        let chars = text.chars().count();
        return Err(crate::detail!(
            "row.text_too_long",
            "the text is {chars} characters long; a row holds at most {max} (is a quote left open?)",
            chars = chars,
            max = MAX_TEXT_CHARS,
        ));
    }
    if too_long(text_b.as_ref()) {
        let chars = text_b.as_ref().map_or(0, |b| b.chars().count());
        return Err(crate::detail!(
            "row.text_b_too_long",
            "text_b is {chars} characters long; a row holds at most {max} (is a quote left open?)",
            chars = chars,
            max = MAX_TEXT_CHARS,
        ));
    }
    let label = label.trim();
    if label.is_empty() {
        return Err(crate::detail!("row.empty_label", "the label is empty"));
    }
    Ok(LabelledRow { text, text_b, label: label.to_string(), line })
}

/// One record of a CSV or TSV file: its raw fields and the line it starts on.
struct Record {
    line: usize,
    fields: Vec<Vec<u8>>,
}

impl Record {
    /// A blank line, which separates nothing and is not a row.
    fn is_blank(&self) -> bool {
        self.fields.len() == 1 && self.fields[0].iter().all(u8::is_ascii_whitespace)
    }
}

/// RFC 4180 records, fields separated by `separator`. Lenient where the RFC is strict and the
/// intent is clear: a quote inside an unquoted field, or text after a closing quote, is kept as
/// written.
fn split_quoted(bytes: &[u8], separator: u8) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let (mut line, mut record_line) = (1, 1);
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if quoted {
            match byte {
                b'"' if bytes.get(i + 1) == Some(&b'"') => {
                    field.push(b'"');
                    i += 1;
                }
                b'"' => quoted = false,
                _ => field.push(byte),
            }
        } else {
            match byte {
                b'"' if field.is_empty() => quoted = true,
                b if b == separator => fields.push(std::mem::take(&mut field)),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {}
                b'\n' => {
                    fields.push(std::mem::take(&mut field));
                    records.push(Record { line: record_line, fields: std::mem::take(&mut fields) });
                    record_line = line + 1;
                }
                _ => field.push(byte),
            }
        }
        if byte == b'\n' {
            line += 1;
        }
        i += 1;
    }
    if quoted {
        // Everything after the open quote was read into one field: there is no row to skip to.
        return Err(BertError::Input(crate::detail!(
            "input.unclosed_quote",
            "line {line}: a quoted field is never closed (a \" inside a quoted field must be doubled: \"\")",
            line = record_line,
        )));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push(Record { line: record_line, fields });
    }
    Ok(records)
}

/// Tab-separated records. GLUE's files have no quoting (a `"` is an ordinary character);
/// Python's csv module and pandas quote a field that holds a tab, a quote or a newline. A field
/// is read as quoted only when it is one whole: it opens with `"` and its closing quote ends the
/// field; anything else is taken as written.
fn split_tsv(bytes: &[u8]) -> Vec<Record> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let (mut at, mut line, mut record_line) = (0, 1, 1);
    while at <= bytes.len() {
        let (field, next, lines) = match quoted_field(&bytes[at..]) {
            Some((field, used)) => (field, at + used, bytes[at..at + used].iter().filter(|&&b| b == b'\n').count()),
            None => {
                let len = bytes[at..].iter().position(|&b| b == b'\t' || b == b'\n').unwrap_or(bytes.len() - at);
                (bytes[at..at + len].to_vec(), at + len, 0)
            }
        };
        line += lines;
        fields.push(field);
        match bytes.get(next) {
            Some(b'\t') => at = next + 1,
            _ => {
                let last = fields.last_mut().expect("a field was just pushed");
                if last.last() == Some(&b'\r') {
                    last.pop();
                }
                records.push(Record { line: record_line, fields: std::mem::take(&mut fields) });
                line += 1;
                record_line = line;
                at = next + 1;
            }
        }
    }
    // The newline that ends the file leaves an empty last record.
    if records.last().is_some_and(|r| r.fields.len() == 1 && r.fields[0].is_empty()) {
        records.pop();
    }
    records
}

/// A field that opens with `"` and closes with a `"` right before a tab, a line end or the end
/// (`""` inside stands for one `"`): its text and the bytes it spans; `None` if it is not one.
fn quoted_field(bytes: &[u8]) -> Option<(Vec<u8>, usize)> {
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut field = Vec::new();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' if bytes.get(i + 1) == Some(&b'"') => {
                field.push(b'"');
                i += 2;
            }
            b'"' => {
                let after = &bytes[i + 1..];
                let ends = after.is_empty() || after[0] == b'\t' || after[0] == b'\n' || after.starts_with(b"\r\n");
                return ends.then_some((field, i + 1 + usize::from(after.starts_with(b"\r\n"))));
            }
            b => {
                field.push(b);
                i += 1;
            }
        }
    }
    None
}

/// Lines with their 1-based numbers, without the `\n` or `\r\n` that ends them.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    bytes.split(|&b| b == b'\n').enumerate().map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l)))
}

/// Rows of a CSV or TSV file, after its header.
fn read_table(records: Vec<Record>, sink: &mut Sink) -> Result<()> {
    let mut records = records.into_iter().filter(|r| !r.is_blank());
    let Some(header) = records.next() else { return Ok(()) };
    let names = header
        .fields
        .iter()
        .map(|f| String::from_utf8(f.clone()))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| {
            BertError::Input(crate::detail!(
                "input.header_utf8",
                "line {line}: the header is not valid UTF-8 (save the file as CSV UTF-8)",
                line = header.line,
            ))
        })?;
    let column = |synonyms: &[&str], what: &str| {
        find(&names, synonyms).ok_or_else(|| {
            BertError::Input(crate::detail!(
                "input.no_column",
                "line {line}: the header has no {what} column (name it {names}); its columns are: {columns}",
                line = header.line,
                what = what,
                names = synonyms.join(" or "),
                columns = names.join(", "),
            ))
        })
    };
    let (text, label) = (column(TEXT, "text")?, column(LABEL, "label")?);
    let text_b = find(&names, TEXT_B);
    for record in records {
        let row = table_row(&record, names.len(), text, text_b, label);
        sink.push(record.line, row)?;
    }
    Ok(())
}

fn table_row(
    record: &Record,
    width: usize,
    text: usize,
    text_b: Option<usize>,
    label: usize,
) -> std::result::Result<LabelledRow, Detail> {
    if record.fields.len() != width {
        return Err(crate::detail!(
            "row.columns",
            "the row has {count} columns, the header has {width}",
            count = record.fields.len(),
            width = width,
        ));
    }
    let value = |i: usize| {
        String::from_utf8(record.fields[i].clone())
            .map_err(|_| crate::detail!("row.not_utf8", "the row is not valid UTF-8 (save the file as UTF-8)"))
    };
    let text_b = text_b.map(value).transpose()?;
    build_row(record.line, value(text)?, text_b, &value(label)?)
}

fn read_jsonl(bytes: &[u8], sink: &mut Sink) -> Result<()> {
    for (line, raw) in lines(bytes) {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        sink.push(line, json_row(line, raw))?;
    }
    Ok(())
}

fn json_row(line: usize, raw: &[u8]) -> std::result::Result<LabelledRow, Detail> {
    let raw = std::str::from_utf8(raw)
        .map_err(|_| crate::detail!("row.line_not_utf8", "the line is not valid UTF-8 (save the file as UTF-8)"))?;
    let value: Value =
        serde_json::from_str(raw).map_err(|e| crate::detail!("row.invalid_json", "invalid JSON: {e}", e = e))?;
    let Value::Object(object) = value else {
        if raw.trim_start().starts_with('[') {
            return Err(crate::detail!(
                "row.json_array",
                "expected a JSON object (a JSON array: put one object per line)"
            ));
        }
        return Err(crate::detail!("row.not_object", "expected a JSON object"));
    };
    let keys: Vec<String> = object.keys().cloned().collect();
    let field = |synonyms: &[&str]| find(&keys, synonyms).map(|i| &object[&keys[i]]);
    let text = match field(TEXT) {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(crate::detail!("row.text_not_string", "\"text\" must be a string")),
        None => {
            return Err(crate::detail!("row.no_text", "no \"text\" field (name it {names})", names = TEXT.join(" or ")))
        }
    };
    let text_b = match field(TEXT_B) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(_) => return Err(crate::detail!("row.text_b_not_string", "\"text_b\" must be a string")),
    };
    let label = match field(LABEL) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
        Some(Value::Null) | None => return Err(crate::detail!("row.no_label", "no \"label\" field")),
        Some(other) => {
            return Err(crate::detail!(
                "row.label_type",
                "\"label\" must be a string, an integer or true/false, not {value}",
                value = other,
            ))
        }
    };
    build_row(line, text, text_b, &label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, format: DataFormat, bad: BadRows) -> Result<LabelledData> {
        parse_labelled(text.as_bytes(), format, bad)
    }

    fn message(result: Result<LabelledData>) -> String {
        match result {
            Err(e) => e.to_string(),
            Ok(data) => panic!("expected an error, got {data:?}"),
        }
    }

    fn row(text: &str, text_b: Option<&str>, label: &str, line: usize) -> LabelledRow {
        LabelledRow { text: text.into(), text_b: text_b.map(Into::into), label: label.into(), line }
    }

    #[test]
    fn pasted_text_format_is_guessed_from_its_first_line() {
        assert_eq!(DataFormat::sniff(b"\n{\"text\": \"a\", \"label\": 1}\n"), DataFormat::Jsonl);
        assert_eq!(DataFormat::sniff(b"sentence\tlabel\nhi\t1\n"), DataFormat::Tsv);
        assert_eq!(DataFormat::sniff(b"text,label\n\"a\tb\",1\n"), DataFormat::Csv);
        assert_eq!(DataFormat::sniff(b""), DataFormat::Csv);
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(DataFormat::from_file_name("train.CSV").unwrap(), DataFormat::Csv);
        assert_eq!(DataFormat::from_file_name("sst2/dev.tsv").unwrap(), DataFormat::Tsv);
        assert_eq!(DataFormat::from_file_name("a.b.jsonl").unwrap(), DataFormat::Jsonl);
        assert_eq!(DataFormat::from_file_name("rows.json").unwrap(), DataFormat::Jsonl);
        let e = DataFormat::from_file_name("data.xlsx").unwrap_err().to_string();
        assert!(e.contains("data.xlsx") && e.contains(".csv") && e.contains(".tsv") && e.contains(".jsonl"), "{e}");
        assert!(DataFormat::from_file_name("README").is_err());
    }

    #[test]
    fn csv_quoting_follows_rfc_4180_and_counts_physical_lines() {
        let text = "\u{feff}Text,Label\r\n\
                    \"Hello, world\",pos\r\n\
                    \"She said \"\"hi\"\"\",neg\r\n\
                    \"two\nlines\",pos\r\n\
                    \r\n\
                    plain,neg";
        let data = parse(text, DataFormat::Csv, BadRows::Fail).unwrap();
        assert_eq!(
            data.rows,
            vec![
                row("Hello, world", None, "pos", 2),
                row("She said \"hi\"", None, "neg", 3),
                row("two\nlines", None, "pos", 4),
                row("plain", None, "neg", 7),
            ]
        );
        assert!(data.skipped.is_empty());
    }

    #[test]
    fn csv_pairs_use_sentence1_and_sentence2_and_ignore_other_columns() {
        let text = "idx,Sentence1,sentence2,label\n0,A man eats.,Someone eats.,1\n";
        let data = parse(text, DataFormat::Csv, BadRows::Fail).unwrap();
        assert_eq!(data.rows, vec![row("A man eats.", Some("Someone eats."), "1", 2)]);
    }

    #[test]
    fn csv_unclosed_quote_is_an_error_at_its_line() {
        let e = message(parse("text,label\nok,1\n\"never closed,1\nmore,0\n", DataFormat::Csv, BadRows::Skip));
        assert!(e.starts_with("line 3:") && e.contains("never closed"), "{e}");
    }

    #[test]
    fn tsv_like_glue_sst2_keeps_quotes_as_text() {
        let text = "sentence\tlabel\nit 's a \"charming\" film \t1\r\nhide new secretions\t0\n";
        let data = parse(text, DataFormat::Tsv, BadRows::Fail).unwrap();
        assert_eq!(
            data.rows,
            vec![row("it 's a \"charming\" film ", None, "1", 2), row("hide new secretions", None, "0", 3)]
        );
    }

    #[test]
    fn bad_rows_fail_with_their_line_or_are_skipped_with_a_reason() {
        let text = "text\tlabel\ngood\t1\nno label\t\n\t0\ntoo\tmany\tcolumns\nfine\t0\n";
        let e = message(parse(text, DataFormat::Tsv, BadRows::Fail));
        assert_eq!(e, "line 3: the label is empty");
        let data = parse(text, DataFormat::Tsv, BadRows::Skip).unwrap();
        assert_eq!(data.rows, vec![row("good", None, "1", 2), row("fine", None, "0", 6)]);
        let skipped: Vec<(usize, String, Option<&str>)> =
            data.skipped.iter().map(|(line, why)| (*line, why.to_string(), why.code)).collect();
        assert_eq!(
            skipped,
            vec![
                (3, "the label is empty".to_string(), Some("row.empty_label")),
                (4, "the text is empty".to_string(), Some("row.empty_text")),
                (5, "the row has 3 columns, the header has 2".to_string(), Some("row.columns")),
            ]
        );
    }

    #[test]
    fn non_utf8_rows_are_bad_rows() {
        let mut bytes = b"text,label\ncaf".to_vec();
        bytes.extend_from_slice(&[0xE9, b',', b'1', b'\n']);
        bytes.extend_from_slice(b"ok,0\n");
        let e = message(parse_labelled(&bytes, DataFormat::Csv, BadRows::Fail));
        assert!(e.starts_with("line 2:") && e.contains("UTF-8"), "{e}");
        let data = parse_labelled(&bytes, DataFormat::Csv, BadRows::Skip).unwrap();
        assert_eq!(data.rows, vec![row("ok", None, "0", 3)]);
        assert_eq!(data.skipped.len(), 1);
    }

    #[test]
    fn header_without_required_columns_names_what_it_found() {
        let e = message(parse("review,stars\ngreat,5\n", DataFormat::Csv, BadRows::Fail));
        assert!(e.contains("line 1") && e.contains("text") && e.contains("review, stars"), "{e}");
        let e = message(parse("text,stars\ngreat,5\n", DataFormat::Csv, BadRows::Fail));
        assert!(e.contains("no label column") && e.contains("text, stars"), "{e}");
    }

    #[test]
    fn files_without_rows_are_errors() {
        assert!(message(parse("", DataFormat::Csv, BadRows::Fail)).contains("has no rows"));
        assert!(message(parse("\u{feff}\n\n", DataFormat::Jsonl, BadRows::Fail)).contains("has no rows"));
        assert!(message(parse("text\tlabel\n", DataFormat::Tsv, BadRows::Fail)).contains("has no rows"));
        let e = message(parse("text,label\n,1\n", DataFormat::Csv, BadRows::Skip));
        assert!(e.contains("no usable rows") && e.contains("line 2: the text is empty"), "{e}");
    }

    #[test]
    fn jsonl_labels_may_be_strings_integers_or_booleans() {
        let text = concat!(
            "{\"text\": \"a\", \"label\": \"pos\", \"extra\": [1]}\r\n",
            "\n",
            "{\"Sentence\": \"b\", \"text_b\": \"c\", \"label\": 2}\n",
            "{\"text\": \"d\", \"label\": true, \"text_b\": null}\n",
            "{\"text\": \"e\", \"label\": 1.5}\n",
            "{\"text\": \"f\", \"label\": null}\n",
            "{\"text\": \"g\"}\n",
            "{\"text\": 7, \"label\": 1}\n",
            "not json\n",
            "[{\"text\": \"h\", \"label\": 1}]\n",
        );
        let data = parse(text, DataFormat::Jsonl, BadRows::Skip).unwrap();
        assert_eq!(data.rows, vec![row("a", None, "pos", 1), row("b", Some("c"), "2", 3), row("d", None, "true", 4)]);
        let lines: Vec<usize> = data.skipped.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![5, 6, 7, 8, 9, 10]);
        assert!(data.skipped[0].1.to_string().contains("must be a string, an integer or true/false, not 1.5"));
        assert!(
            data.skipped[1].1.to_string().contains("no \"label\"")
                && data.skipped[2].1.to_string().contains("no \"label\"")
        );
        assert!(data.skipped[4].1.to_string().starts_with("invalid JSON"));
        assert!(data.skipped[5].1.to_string().contains("one object per line"));
        let e = message(parse(text, DataFormat::Jsonl, BadRows::Fail));
        assert!(e.starts_with("line 5:"), "{e}");
    }

    #[test]
    fn label_names_sort_numerically_when_all_are_integers() {
        let rows = |labels: &[&str]| labels.iter().map(|l| row("t", None, l, 1)).collect::<Vec<_>>();
        assert_eq!(label_names(&rows(&["1", "0", "10", "9", "1"])), vec!["0", "1", "9", "10"]);
        assert_eq!(label_names(&rows(&["-1", "2", "0"])), vec!["-1", "0", "2"]);
        assert_eq!(label_names(&rows(&["pos", "neg", "10", "9"])), vec!["10", "9", "neg", "pos"]);
    }

    #[test]
    fn rows_and_their_length_are_bounded() {
        let long = "w ".repeat(MAX_TEXT_CHARS / 2 + 1);
        let text = format!("text,label\n{long},pos\nshort,neg\n");
        let e = message(parse(&text, DataFormat::Csv, BadRows::Fail));
        assert!(e.contains("line 2: the text is 100002 characters long; a row holds at most 100000"), "{e}");
        let data = parse(&text, DataFormat::Csv, BadRows::Skip).unwrap();
        assert_eq!((data.rows.len(), data.skipped.len()), (1, 1));

        let mut many = String::from("text\tlabel\n");
        many.extend((0..=MAX_ROWS).map(|i| format!("t{i}\t{}\n", i % 2)));
        let e = message(parse(&many, DataFormat::Tsv, BadRows::Skip));
        assert!(e.contains("line 1000002: the file has more than 1000000 rows"), "{e}");
        many.truncate(many.trim_end().rfind('\n').unwrap() + 1);
        assert_eq!(parse(&many, DataFormat::Tsv, BadRows::Fail).unwrap().rows.len(), MAX_ROWS);
    }
}
