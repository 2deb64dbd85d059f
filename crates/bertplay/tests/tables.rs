//! Labelled tables as common tools write them (tests/fixtures/tables/write.py made these files
//! with Python's csv module and pandas): quoted tab-separated fields holding tabs, quotes and
//! newlines; a semicolon CSV; a UTF-16 CSV. Each reads back to the rows that were written.

mod common;

use bertplay::training::labelled::{parse_labelled, BadRows, DataFormat};

const ROWS: [(&str, &str); 6] = [
    ("a plain sentence", "pos"),
    ("it holds a\ttab", "neg"),
    ("she said \"wow\" twice", "pos"),
    ("two\nlines", "neg"),
    ("\"quoted from the start\" and more", "pos"),
    ("commas, and; semicolons", "neg"),
];

fn read(name: &str) -> Vec<(String, String, usize)> {
    let bytes = std::fs::read(common::fixtures().join("tables").join(name)).unwrap();
    let format = DataFormat::from_file_name(name).unwrap();
    let data = parse_labelled(&bytes, format, BadRows::Fail).unwrap_or_else(|e| panic!("{name}: {e}"));
    data.rows.into_iter().map(|r| (r.text, r.label, r.line)).collect()
}

#[test]
fn files_written_by_python_and_pandas_read_back_as_written() {
    for name in ["python-csv.tsv", "pandas.tsv", "semicolon.csv", "utf16.csv"] {
        let rows = read(name);
        let texts: Vec<(&str, &str)> = rows.iter().map(|(t, l, _)| (t.as_str(), l.as_str())).collect();
        assert_eq!(texts, ROWS, "{name}");
        // Line numbers still point at the line a row starts on (the two-line row takes two).
        let lines: Vec<usize> = rows.iter().map(|r| r.2).collect();
        assert_eq!(lines, [2, 3, 4, 5, 7, 8], "{name}");
    }
}

#[test]
fn glue_style_tsv_keeps_its_quotes_as_written() {
    // SST-2 and the other GLUE files do not quote: a quote is part of the sentence.
    let tsv = "sentence\tlabel\n\"the movie\" is great\t1\nhe said \"no\t0\n";
    let rows = parse_labelled(tsv.as_bytes(), DataFormat::Tsv, BadRows::Fail).unwrap().rows;
    assert_eq!(rows[0].text, "\"the movie\" is great");
    assert_eq!(rows[1].text, "he said \"no");
}

#[test]
fn a_broken_utf16_file_gets_a_clear_message() {
    let mut bytes = std::fs::read(common::fixtures().join("tables/utf16.csv")).unwrap();
    bytes.pop();
    let err = parse_labelled(&bytes, DataFormat::Csv, BadRows::Fail).unwrap_err().to_string();
    assert!(err.contains("UTF-16"), "{err}");
}
