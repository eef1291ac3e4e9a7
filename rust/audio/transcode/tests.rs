use std::fs;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use super::input::{open_input, Opened};
use super::pipeline::Pipeline;
use super::*;
use crate::audio::g711::{self, Law};
use crate::audio::vox::Variant;
use crate::audio::wav::{WavCodec, WavFormat};
use crate::audio::AudioError;
use crate::audio::{vox, wav as w};
use std::io;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("callcore-audio-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn tone(n: usize, rate: f64) -> Vec<i16> {
    (0..n)
        .map(|i| ((i as f64 * 2.0 * std::f64::consts::PI * 440.0 / rate).sin() * 9000.0) as i16)
        .collect()
}

#[test]
fn vox6k_to_wav_8k_and_mp3() {
    let d = tmpdir("t1");
    let src = d.join("a.V3");
    fs::write(&src, vox::encode(&tone(6000, 6000.0), Variant::Dialogic)).unwrap();
    let mut o = TranscodeOptions {
        source: SourceKind::Vox6k,
        rate: Some(8000),
        ..Default::default()
    };
    let r = transcode(&src, &d.join("a.wav"), &o).unwrap();
    assert_eq!((r.frames, r.out_rate, r.status), (8000, 8000, Status::Done));
    let bytes = fs::read(d.join("a.wav")).unwrap();
    let info = w::read_header(&mut &bytes[..], Some(bytes.len() as u64)).unwrap();
    assert_eq!(info.data_len, 16000);
    // second run skips
    let r = transcode(&src, &d.join("a.wav"), &o).unwrap();
    assert_eq!(r.status, Status::Skipped);
    o.to = OutputFormat::Mp3;
    o.rate = None;
    let r = transcode(&src, &d.join("a.mp3"), &o).unwrap();
    assert_eq!(r.out_rate, 8000);
    // no temporary files left behind
    assert!(fs::read_dir(&d).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".part")));
}

#[test]
fn batch_reports_each_file() {
    let d = tmpdir("t2");
    fs::write(
        d.join("good.V3"),
        g711::encode(&tone(8000, 8000.0), Law::Alaw),
    )
    .unwrap();
    fs::write(d.join("empty.V3"), b"").unwrap();
    let jobs = vec![
        (d.join("good.V3"), d.join("out/good.wav")),
        (d.join("empty.V3"), d.join("out/empty.wav")),
        (d.join("missing.V3"), d.join("out/missing.wav")),
    ];
    let o = TranscodeOptions {
        source: SourceKind::Alaw,
        ..Default::default()
    };
    let res = transcode_many(&jobs, &o, 2, &AtomicBool::new(false), |_, _| {}).unwrap();
    let cancelled = transcode_many(&jobs, &o, 1, &AtomicBool::new(true), |_, _| {}).unwrap();
    assert!(cancelled
        .iter()
        .all(|r| matches!(r, Err(AudioError::Cancelled { .. }))));
    assert!(res[0].is_ok());
    assert!(matches!(res[1], Err(AudioError::Empty { .. })));
    assert!(matches!(
        res[2],
        Err(AudioError::Io {
            kind: io::ErrorKind::NotFound,
            ..
        })
    ));
}

#[test]
fn batch_records_a_panicking_or_hostile_file_and_goes_on() {
    let d = tmpdir("t7");
    fs::write(
        d.join("good.V3"),
        g711::encode(&tone(8000, 8000.0), Law::Alaw),
    )
    .unwrap();
    fs::write(d.join("panics-in-test"), b"x").unwrap();
    // a WAV header claiming 4,294,967,295 Hz (issue 11: aborted the process)
    let mut hostile = w::to_bytes(&[0; 32], WavFormat::Pcm16, 1, 8000).unwrap();
    hostile[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
    fs::write(d.join("hostile.wav"), &hostile).unwrap();
    let jobs: Vec<(PathBuf, PathBuf)> = ["panics-in-test", "hostile.wav", "good.V3"]
        .iter()
        .map(|n| (d.join(n), d.join("out").join(format!("{n}.wav"))))
        .collect();
    let o = TranscodeOptions {
        to: OutputFormat::WavAlaw,
        ..Default::default()
    };
    let res = transcode_many(&jobs, &o, 2, &AtomicBool::new(false), |_, _| {}).unwrap();
    let e = res[0].as_ref().unwrap_err();
    assert!(e.to_string().contains("internal error (panic)"), "{e}");
    match &res[1] {
        Err(AudioError::Limit { path, limit }) => {
            assert_eq!(path, &d.join("hostile.wav").display().to_string());
            assert_eq!(
                limit.to_string(),
                "sample rate 4294967295 Hz is above the limit of 192000 Hz"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(res[2].as_ref().unwrap().status, Status::Done);
    let left: Vec<String> = fs::read_dir(d.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["good.V3.wav".to_string()]);
}

#[test]
fn upsampling_keeps_each_chunk_small_whatever_the_ratio() {
    // 8-bit PCM at the lowest legal rate, upsampled x192: a 256 KiB read chunk would have
    // become 48 million samples (96 MiB) at once, times the buffers in flight; here the
    // whole 10,000-byte file was one chunk of 1.92 million samples
    let d = tmpdir("t8");
    let body: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let mut f = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
    for x in [1u16, 1] {
        f.extend_from_slice(&x.to_le_bytes());
    }
    f.extend_from_slice(&1000u32.to_le_bytes());
    f.extend_from_slice(&1000u32.to_le_bytes());
    f.extend_from_slice(&1u16.to_le_bytes());
    f.extend_from_slice(&8u16.to_le_bytes());
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(body.len() as u32).to_le_bytes());
    f.extend_from_slice(&body);
    fs::write(d.join("slow.wav"), &f).unwrap();
    let o = TranscodeOptions {
        rate: Some(192_000),
        ..Default::default()
    };
    let input = match open_input(&d.join("slow.wav"), &o).unwrap() {
        Opened::Decoded(i) => i,
        Opened::Mp3 { .. } => unreachable!(),
    };
    let mut p = Pipeline::new(input, 192_000, false, false).unwrap();
    let (mut buf, mut total, mut biggest) = (Vec::new(), 0usize, 0usize);
    loop {
        buf.clear();
        let more = p.next(&mut buf).unwrap();
        biggest = biggest.max(buf.len());
        total += buf.len();
        if !more {
            break;
        }
    }
    assert_eq!(total, 10_000 * 192);
    assert!(
        biggest <= 4096 * 192 + 256,
        "{biggest} samples in one chunk"
    );
}

#[test]
fn wav_input_with_odd_bytes_and_lying_header() {
    let d = tmpdir("t3");
    let mut b = w::to_bytes(&tone(1000, 8000.0), WavFormat::Pcm16, 1, 8000).unwrap();
    b.truncate(b.len() - 1); // odd byte count
    b[40..44].copy_from_slice(&100_000u32.to_le_bytes());
    fs::write(d.join("x.V3"), &b).unwrap();
    let r = transcode(
        &d.join("x.V3"),
        &d.join("x.wav"),
        &TranscodeOptions::default(),
    )
    .unwrap();
    assert_eq!(r.frames, 999);
    assert!(
        r.notes.iter().any(|n| n.contains("truncated")),
        "{:?}",
        r.notes
    );
    assert!(
        r.notes.iter().any(|n| n.contains("odd byte")),
        "{:?}",
        r.notes
    );
}

#[test]
fn three_channel_wav_keeps_frames_aligned_across_chunks() {
    let d = tmpdir("t5");
    // 3 channels x 16 bit: 64 KiB read chunks split frames; channel k holds the value k
    let frames = 40_000;
    let pcm: Vec<i16> = (0..frames * 3).map(|i| (i % 3) as i16 * 1000).collect();
    let mut b = w::to_bytes(&pcm, WavFormat::Pcm16, 3, 8000).unwrap();
    b.truncate(b.len() - 2); // and end inside a frame
    fs::write(d.join("x.wav"), &b).unwrap();
    let o = TranscodeOptions {
        dc_block: true,
        overwrite: true,
        ..Default::default()
    };
    let r = transcode(&d.join("x.wav"), &d.join("y.wav"), &o).unwrap();
    assert_eq!(r.frames, frames as u64 - 1);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("incomplete 3-channel frame")),
        "{:?}",
        r.notes
    );
    let o = TranscodeOptions {
        overwrite: true,
        ..Default::default()
    };
    transcode(&d.join("x.wav"), &d.join("z.wav"), &o).unwrap();
    let out = fs::read(d.join("z.wav")).unwrap();
    let (got, info) = w::decode(&out, Variant::Dialogic).unwrap();
    assert_eq!(info.channels, 3);
    assert!(got.chunks_exact(3).all(|f| f == [0, 1000, 2000]));
}

#[test]
fn float_and_24_bit_stereo_to_mono_8k() {
    let d = tmpdir("t6");
    // 44.1 kHz stereo float32: left 440 Hz at 0.5, right silent -> mono 440 Hz at 0.25
    let n = 44100;
    let mut body = Vec::new();
    for i in 0..n {
        let x = (i as f64 * 2.0 * std::f64::consts::PI * 440.0 / 44100.0).sin() as f32 * 0.5;
        body.extend_from_slice(&x.to_le_bytes());
        body.extend_from_slice(&0f32.to_le_bytes());
    }
    let mut f = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
    f.extend_from_slice(&3u16.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&44100u32.to_le_bytes());
    f.extend_from_slice(&(44100u32 * 8).to_le_bytes());
    f.extend_from_slice(&8u16.to_le_bytes());
    f.extend_from_slice(&32u16.to_le_bytes());
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(body.len() as u32).to_le_bytes());
    f.extend_from_slice(&body);
    fs::write(d.join("in.wav"), &f).unwrap();
    let o = TranscodeOptions {
        to: OutputFormat::WavAlaw,
        mono: Some(true),
        ..Default::default()
    };
    let r = transcode(&d.join("in.wav"), &d.join("out.wav"), &o).unwrap();
    assert_eq!((r.channels, r.out_rate, r.frames), (1, 8000, 8000));
    let (pcm, info) = w::decode(&fs::read(d.join("out.wav")).unwrap(), Variant::Dialogic).unwrap();
    assert_eq!((info.codec, info.channels), (WavCodec::Alaw, 1));
    let peak = pcm[1000..7000]
        .iter()
        .map(|x| x.unsigned_abs())
        .max()
        .unwrap();
    assert!((7900..=8500).contains(&peak), "{peak}");
    // 24-bit: one sample split across the 64 KiB read chunks still decodes exactly
    let vals: Vec<i32> = (0..30000)
        .map(|i| (i * 277) % 8_000_000 - 4_000_000)
        .collect();
    let mut body = Vec::new();
    for v in &vals {
        body.extend_from_slice(&v.to_le_bytes()[..3]);
    }
    let mut f = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
    for x in [1u16, 1] {
        f.extend_from_slice(&x.to_le_bytes());
    }
    f.extend_from_slice(&8000u32.to_le_bytes());
    f.extend_from_slice(&24000u32.to_le_bytes());
    f.extend_from_slice(&3u16.to_le_bytes());
    f.extend_from_slice(&24u16.to_le_bytes());
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(body.len() as u32).to_le_bytes());
    f.extend_from_slice(&body);
    fs::write(d.join("in24.wav"), &f).unwrap();
    let r = transcode(
        &d.join("in24.wav"),
        &d.join("out24.wav"),
        &TranscodeOptions::default(),
    )
    .unwrap();
    assert_eq!(r.frames, 30000);
    let (pcm, _) = w::decode(&fs::read(d.join("out24.wav")).unwrap(), Variant::Dialogic).unwrap();
    let want: Vec<i16> = vals
        .iter()
        .map(|v| ((v + 128) >> 8).clamp(-32768, 32767) as i16)
        .collect();
    assert_eq!(pcm, want);
}

#[test]
fn merge_two_tracks() {
    let d = tmpdir("t4");
    fs::write(
        d.join("a.V3"),
        vox::encode(&tone(6000, 6000.0), Variant::Dialogic),
    )
    .unwrap();
    fs::write(
        d.join("b.V3"),
        vox::encode(&tone(3000, 6000.0), Variant::Dialogic),
    )
    .unwrap();
    let o = TranscodeOptions {
        source: SourceKind::Vox6k,
        rate: Some(8000),
        ..Default::default()
    };
    let r = merge(
        &[d.join("a.V3"), d.join("b.V3")],
        &d.join("m.wav"),
        MergeMode::Channels,
        &o,
    )
    .unwrap();
    assert_eq!((r.channels, r.frames), (2, 8000));
    let r = merge(
        &[d.join("a.V3"), d.join("b.V3")],
        &d.join("mix.wav"),
        MergeMode::Mix,
        &o,
    )
    .unwrap();
    assert_eq!((r.channels, r.frames), (1, 8000));
}
