use std::path::PathBuf;

use encoding_rs::GB18030;

use crate::calllist::normalize::Reason;
use crate::calllist::{CalllistError, Result};

use super::{gate::*, options::*};

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cc-io-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(tag: &str, content: &[u8], opts: &CleanOptions) -> Result<(Summary, String, String)> {
    let d = tmpdir(tag);
    let input = d.join("in.csv");
    std::fs::write(&input, content).unwrap();
    let (c, r) = (d.join("clean.csv"), d.join("rejects.csv"));
    let s = super::clean_with_defaults(&input, &c, &r, opts)?;
    Ok((
        s,
        std::fs::read_to_string(c).unwrap(),
        std::fs::read_to_string(r).unwrap(),
    ))
}

#[test]
fn csv_with_header_dups_and_rejects() {
    let data = "name,手机号,note\n张三,138-0013-8000,=cmd\n李四,+8613800138000,x\n王五,abc,y\n赵六,010 12345678,\n";
    let (s, clean, rej) = run("a", data.as_bytes(), &CleanOptions::default()).unwrap();
    assert_eq!((s.rows, s.clean, s.rejected), (4, 2, 2));
    assert_eq!(s.duplicates(), 1);
    assert_eq!(s.column, 1);
    assert!(s.header);
    assert!(clean.starts_with("name,手机号,note,e164,national,kind,ext\n"));
    assert!(clean.contains("张三,138-0013-8000,'=cmd,+8613800138000,13800138000,mobile,"));
    assert!(rej.contains("3,'+8613800138000,duplicate,+8613800138000"));
    assert!(rej.contains("4,abc,bad_char,"));
}

#[test]
fn gbk_and_one_per_line() {
    let (gbk, _, _) = GB18030.encode("电话;姓名\n13800138000;张三\n13900139000;李四\n");
    let (s, clean, _) = run("b", &gbk, &CleanOptions::default()).unwrap();
    assert_eq!(s.encoding, "gb18030");
    assert_eq!(s.delimiter, Some(b';'));
    assert_eq!(s.clean, 2);
    assert!(clean.contains("13800138000,张三,+8613800138000"));
    let (s, _, _) = run(
        "c",
        b"13800138000\n010-12345678,123\n\n95588\n",
        &CleanOptions::default(),
    )
    .unwrap();
    // the service short code is refused by default
    assert_eq!((s.rows, s.clean), (3, 2));
    assert_eq!(s.per_reason[Reason::ShortCode.index()], 1);
    assert_eq!(s.delimiter, None);
}

#[test]
fn late_gbk_switches_and_garbage_errors() {
    let mut data = b"phone,name\n".to_vec();
    for _ in 0..5000 {
        data.extend_from_slice(b"13800138000,abc\n");
    }
    let (g, _, _) = GB18030.encode("13900139000,张三\n");
    data.extend_from_slice(&g);
    let (s, clean, _) = run("d", &data, &CleanOptions::default()).unwrap();
    assert_eq!(s.rows, 5001);
    assert!(clean.contains("张三"));
    let bad = b"phone\n13800138000\n\xff\xff\xff\xfe\x80\n".to_vec();
    let e = run("e", &bad, &CleanOptions::default()).unwrap_err();
    assert!(matches!(e, CalllistError::Decode { .. }), "{e}");
}

#[test]
fn row_numbers_are_line_numbers() {
    for data in [
        &b"phone\n13800138000\n\n\nbad1\n\"x\ny\"\nbad2"[..],
        &b"phone\r\n13800138000\r\n\r\n\r\nbad1\r\n\"x\r\ny\"\r\nbad2\r\n"[..],
    ] {
        let (s, _, rej) = run("rows", data, &CleanOptions::default()).unwrap();
        assert_eq!(s.rows, 4);
        let mut r = csv::Reader::from_reader(rej.as_bytes());
        let rows: Vec<String> = r.records().map(|x| x.unwrap()[0].to_string()).collect();
        assert_eq!(rows, vec!["5", "6", "8"], "{rej}");
    }
}

/// The parallel path gives the same files and summary as the single-reader path, also
/// with pieces of a few bytes (every boundary case: multi-line cells split across pieces,
/// CRLF, blank lines, a missing final newline, a late GBK switch, a BOM).
#[test]
fn parallel_matches_sequential() {
    let (gbk, _, _) =
        GB18030.encode("电话,姓名\r\n13800138000,张三\r\n\"139 0013\r\n9000\",李四\r\n");
    let mut late = b"phone,n\n".to_vec();
    for i in 0..300 {
        late.extend_from_slice(format!("1380013{i:04},a\n").as_bytes());
    }
    late.extend_from_slice(&GB18030.encode("13900139000,张三\n").0);
    let inputs: Vec<Vec<u8>> = vec![
        b"name,phone,note\na,13800138000,\"x\ny\"\nb,\"1390013\n9000\",z\n\n\nc,abc,\"q\"\"\"\n"
            .to_vec(),
        b"\xEF\xBB\xBFphone\r\n13800138000\r\n\r\n\"x\r\ny\"\r\n+8613800138000\r\nbad\r".to_vec(),
        b"phone,x\n\"13800138000\",\"open quote\n13900139000,b\n13700137000,c".to_vec(),
        b"13800138000\n010-12345678\n\n95588\n\xEF\xBB\xBF13900139000\n".to_vec(),
        b"a\rb,13800138000\r\r\nc,13900139000\n".to_vec(),
        b",\"16018\n159083\",,\r,16018159083,,\r,\"16018\n159083\",,\r\r".to_vec(),
        b"phone\n\"13800138000\r\r".to_vec(),
        gbk.to_vec(),
        late,
    ];
    for (k, data) in inputs.iter().enumerate() {
        for rows in [1usize, 2, 3, 7, 16384] {
            let seq = CleanOptions {
                parallel: false,
                chunk_rows: rows,
                ..CleanOptions::default()
            };
            let par = CleanOptions {
                parallel: true,
                chunk_rows: rows,
                ..CleanOptions::default()
            };
            let a = run(&format!("pa{k}"), data, &seq);
            let b = run(&format!("pb{k}"), data, &par);
            match (a, b) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "input {k}, chunk_rows {rows}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("input {k}, chunk_rows {rows}: {a:?} vs {b:?}"),
            }
        }
    }
    // errors agree too: undecodable after non-ASCII text
    let bad = "phone,n\n13800138000,张三\n"
        .as_bytes()
        .iter()
        .chain(b"\xff\xfe\n")
        .copied()
        .collect::<Vec<u8>>();
    for parallel in [false, true] {
        let o = CleanOptions {
            parallel,
            chunk_rows: 1,
            ..CleanOptions::default()
        };
        let e = run("perr", &bad, &o).unwrap_err();
        assert_eq!(
            e.to_string(),
            run(
                "perr",
                &bad,
                &CleanOptions {
                    parallel: false,
                    ..CleanOptions::default()
                }
            )
            .unwrap_err()
            .to_string()
        );
    }
}

#[test]
fn bad_inputs() {
    assert!(matches!(
        run("f", b"", &CleanOptions::default()),
        Err(CalllistError::Empty { .. })
    ));
    let o = CleanOptions {
        column: ColumnSel::Name("mobile".into()),
        ..CleanOptions::default()
    };
    let e = run("g", b"phone,name\n13800138000,a\n", &o).unwrap_err();
    assert!(e.to_string().contains("mobile"), "{e}");
    let (s, _, rej) = run(
        "h",
        b"name,phone\na,13800138000\nb\nc,13900139000,extra\n",
        &CleanOptions::default(),
    )
    .unwrap();
    assert_eq!((s.rows, s.clean, s.ragged, s.missing_field), (3, 2, 2, 1));
    assert!(rej.contains("3,,missing_field"));
}

#[test]
fn quoted_newlines_do_not_hide_the_delimiter() {
    // a header cell and data cells over several lines: the sniffer reads records, not lines
    let data = "name,\"phone\nnumber\",note\n\"a\nb\nc\",13800138000,\"x\ny\"\n\"d\ne\",13900139000,\"z\nw\nq\"\n";
    let (s, clean, _) = run("qnl", data.as_bytes(), &CleanOptions::default()).unwrap();
    assert_eq!((s.rows, s.clean), (2, 2), "{clean}");
    assert!(clean.contains("\"z\nw\nq\",+8613900139000"), "{clean}");
}

#[test]
fn records_split_outside_quoted_cells_only() {
    use super::sniff::split_records;
    let text = b"a,\"b\nc\",d\n5\" screen,13800138000\n\"x\"\"\ny\",z";
    let records = split_records(text);
    assert_eq!(
        records,
        vec![
            &b"a,\"b\nc\",d"[..],
            &b"5\" screen,13800138000"[..],
            &b"\"x\"\"\ny\",z"[..]
        ]
    );
}
