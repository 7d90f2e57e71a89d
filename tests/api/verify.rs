//! `undersigned verify`, run as the binary a signer or a third party would run: it checks
//! proof documents offline and says plainly whether they hold.

use std::process::Command;

use undersigned::merkle::canonical::PublicSignature;
use undersigned::merkle::proof::{ConsistencyProof, InclusionProof};
use undersigned::merkle::{Hash, consistency_proof, inclusion_proof, root, to_hex};

fn list(n: usize) -> Vec<PublicSignature> {
    (0..n)
        .map(|i| PublicSignature {
            letter: "free-them".into(),
            id: i as i64 + 100,
            kind: if i % 4 == 0 {
                "organisation"
            } else {
                "individual"
            }
            .into(),
            name: ["Ləman Əliyeva", "Ана Новак", "王芳", "نور"][i % 4].into(),
            country: "AZ".into(),
            confirmed: format!("2026-11-29T12:{:02}:00Z", i % 60),
            version: 1,
        })
        .collect()
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_undersigned"))
        .args(args)
        // No settings, no database: a stranger's machine.
        .env_clear()
        .output()
        .expect("running undersigned verify");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn a_signers_proof_verifies_and_a_forged_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let sigs = list(37);
    let leaves: Vec<Hash> = sigs.iter().map(PublicSignature::leaf_hash).collect();
    let r = root(&leaves);
    let doc = InclusionProof::new(
        sigs[21].clone(),
        21,
        37,
        &r,
        &inclusion_proof(&leaves, 21).unwrap(),
    );
    let good = dir.path().join("good.json");
    std::fs::write(&good, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let (code, out) = run(&["verify", good.to_str().unwrap(), "--root", &to_hex(&r)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("verified: signature 121"), "{out}");
    assert!(out.contains("leaf 21 of the 37"), "{out}");

    // The same proof against another root, and a proof whose name was changed.
    let (code, out) = run(&[
        "verify",
        good.to_str().unwrap(),
        "--root",
        &to_hex(&leaves[0]),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("NOT verified"), "{out}");
    let mut forged = doc.clone();
    forged.signature.name = "Someone Else".into();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_string(&forged).unwrap()).unwrap();
    let (code, out) = run(&["verify", bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");

    // Not a proof at all.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"format\": 3}").unwrap();
    assert_eq!(run(&["verify", junk.to_str().unwrap()]).0, 2);
    assert_eq!(run(&["verify", "/nonexistent/proof.json"]).0, 2);
}

#[test]
fn a_later_list_is_shown_to_extend_an_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let sigs = list(50);
    let leaves: Vec<Hash> = sigs.iter().map(PublicSignature::leaf_hash).collect();
    let doc = ConsistencyProof::new(
        19,
        50,
        &root(&leaves[..19]),
        &root(&leaves),
        &consistency_proof(&leaves, 19).unwrap(),
    );
    let path = dir.path().join("consistency.json");
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    let (code, out) = run(&["verify", path.to_str().unwrap(), "--root", &doc.new_root]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("begins with the list of 19"), "{out}");
}
