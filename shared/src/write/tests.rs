use super::*;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, FileTypeExt};

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mkfifo(p: &Path) {
    let c = CString::new(p.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn creates_with_folders_and_replaces_leaving_nothing_else() {
    let d = dir();
    let p = d.path().join("a/b/c.yml");
    write_file(&p, b"one", &Policy::within(d.path())).unwrap();
    write_file(&p, b"two", &Policy::within(d.path())).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"two");
    assert_eq!(names(&d.path().join("a/b")), ["c.yml"]);
    // Without create_dirs a missing folder is an error naming it.
    let e = write_file(&d.path().join("x/y"), b"", &Policy::default()).unwrap_err();
    assert!(e.to_string().contains("x does not exist"), "{e}");
}

#[test]
fn write_if_changed_keeps_an_unchanged_file_untouched() {
    let d = dir();
    let p = d.path().join("f");
    let pol = Policy::within(d.path());
    assert!(write_if_changed(&p, b"x", &pol).unwrap());
    let ino = fs::metadata(&p).unwrap().ino();
    assert!(!write_if_changed(&p, b"x", &pol).unwrap());
    assert_eq!(fs::metadata(&p).unwrap().ino(), ino);
    assert!(write_if_changed(&p, b"xy", &pol).unwrap());
    assert_eq!(fs::read(&p).unwrap(), b"xy");
}

#[test]
fn keeps_mode_owner_and_xattrs() {
    let d = dir();
    let p = d.path().join("f");
    fs::write(&p, "old").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
    let c = CString::new(p.as_os_str().as_bytes()).unwrap();
    let xattr = unsafe {
        libc::setxattr(
            c.as_ptr(),
            c"user.note".as_ptr(),
            b"hi".as_ptr().cast(),
            2,
            0,
        )
    } == 0;
    if is_root() {
        std::os::unix::fs::chown(&p, Some(1234), Some(4321)).unwrap();
    }
    write_file(&p, b"new", &Policy::default()).unwrap();
    let m = fs::metadata(&p).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"new");
    assert_eq!(m.mode() & 0o7777, 0o640);
    if is_root() {
        assert_eq!((m.uid(), m.gid()), (1234, 4321));
    }
    if xattr {
        let mut buf = [0u8; 8];
        let n = unsafe {
            libc::getxattr(
                c.as_ptr(),
                c"user.note".as_ptr(),
                buf.as_mut_ptr().cast(),
                8,
            )
        };
        assert_eq!(&buf[..n as usize], b"hi");
    } else {
        eprintln!("SKIP xattr part: the temp file system has no user xattrs");
    }
}

#[test]
fn a_link_to_a_file_inside_the_root_is_written_through() {
    let d = dir();
    fs::create_dir(d.path().join("sub")).unwrap();
    fs::write(d.path().join("real.yml"), "old").unwrap();
    let link = d.path().join("sub/link.yml");
    symlink("../real.yml", &link).unwrap();
    write_file(&link, b"new", &Policy::within(d.path())).unwrap();
    assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(fs::read(d.path().join("real.yml")).unwrap(), b"new");
}

#[test]
fn links_out_of_the_root_or_dangling_are_refused() {
    let d = dir();
    let outside = dir();
    let root = d.path().join("base");
    fs::create_dir(&root).unwrap();
    let victim = outside.path().join("victim");
    fs::write(&victim, "keep").unwrap();
    symlink(&victim, root.join("out.yml")).unwrap();
    let e = write_file(&root.join("out.yml"), b"x", &Policy::within(&root)).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains(&victim.display().to_string()) && msg.contains("outside"),
        "{msg}"
    );
    assert_eq!(fs::read(&victim).unwrap(), b"keep");

    let deep = outside.path().join("nonexist/deep/file.yml");
    symlink(&deep, root.join("dangling.yml")).unwrap();
    let e = write_file(&root.join("dangling.yml"), b"x", &Policy::within(&root)).unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
    assert!(!outside.path().join("nonexist").exists(), "no folder made");
    // Not even without a root.
    assert!(write_file(&root.join("dangling.yml"), b"x", &Policy::default()).is_err());
    assert!(!outside.path().join("nonexist").exists());
}

#[test]
fn devices_fifos_and_folders_are_refused() {
    let d = dir();
    let fifo = d.path().join("fifo.yml");
    mkfifo(&fifo);
    let e = write_file(&fifo, b"x", &Policy::default()).unwrap_err();
    assert!(e.to_string().contains("a FIFO, not a regular file"), "{e}");
    symlink("/dev/null", d.path().join("null.yml")).unwrap();
    let e = write_file(&d.path().join("null.yml"), b"x", &Policy::default()).unwrap_err();
    assert!(
        e.to_string().contains("/dev/null, a character device"),
        "{e}"
    );
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    fs::create_dir(d.path().join("dir.yml")).unwrap();
    assert!(write_file(&d.path().join("dir.yml"), b"x", &Policy::default()).is_err());
    // An output the user named may be a stream.
    let streams = Policy {
        streams: true,
        ..Policy::default()
    };
    write_file(&d.path().join("null.yml"), b"x", &streams).unwrap();
    write_file(Path::new("/dev/null"), b"x", &streams).unwrap();
}

#[test]
fn checks_names_and_folders_before_writing() {
    let d = dir();
    let long = d.path().join("x".repeat(256));
    let e = check(&long, &Policy::within(d.path())).unwrap_err();
    assert!(e.to_string().contains("256 bytes"), "{e}");
    fs::write(d.path().join("host_vars"), "a file").unwrap();
    for p in ["host_vars/m.yml", "host_vars/sub/m.yml"] {
        let e = check(&d.path().join(p), &Policy::within(d.path())).unwrap_err();
        let want = format!("{} is not a folder", d.path().join("host_vars").display());
        assert_eq!(e.to_string(), want);
    }
}

#[test]
fn appends_by_the_same_rules() {
    let d = dir();
    let log = d.path().join("logs/x.log");
    let pol = Policy::within(d.path());
    append(&log, b"one\n", &pol).unwrap();
    append(&log, b"two\n", &pol).unwrap();
    assert_eq!(fs::read(&log).unwrap(), b"one\ntwo\n");
    let fifo = d.path().join("fifo.log");
    mkfifo(&fifo);
    assert!(append(&fifo, b"x", &pol)
        .unwrap_err()
        .to_string()
        .contains("FIFO"));
    symlink(
        d.path().join("nowhere/x.log"),
        d.path().join("dangling.log"),
    )
    .unwrap();
    assert!(append(&d.path().join("dangling.log"), b"x", &pol).is_err());
    assert!(!d.path().join("nowhere").exists());
}

#[test]
fn reads_only_regular_files_up_to_the_cap() {
    let d = dir();
    let fifo = d.path().join("f");
    mkfifo(&fifo);
    let e = read_regular(&fifo, 10).unwrap_err();
    assert!(e.to_string().contains("a FIFO"), "{e}");
    let e = read_regular(Path::new("/dev/zero"), 10).unwrap_err();
    assert!(e.to_string().contains("character device"), "{e}");
    fs::write(d.path().join("big"), "x".repeat(11)).unwrap();
    let e = read_regular(&d.path().join("big"), 10).unwrap_err();
    assert!(e.to_string().contains("10-byte limit"), "{e}");
    assert_eq!(read_regular(&d.path().join("big"), 11).unwrap().len(), 11);
}

#[test]
fn temp_files_of_dead_processes_are_swept() {
    assert_eq!(temp::temp_pid(".m1.yml.tmp123-0"), Some(123));
    assert_eq!(temp::temp_pid(".m1.yml.tmp123"), None);
    assert_eq!(temp::temp_pid("m1.yml.tmp1-2"), None);
    let d = dir();
    // A process that has exited: its pid is free (until reused).
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = d.path().join(format!(".a.yml.tmp{dead}-0"));
    let live = d.path().join(format!(".a.yml.tmp{}-0", std::process::id()));
    fs::write(&stale, "").unwrap();
    fs::write(&live, "").unwrap();
    write_file(&d.path().join("a.yml"), b"x", &Policy::default()).unwrap();
    assert!(!stale.exists());
    assert!(
        live.exists(),
        "this process's own temp files are its own business"
    );
}

/// The unprivileged cases run in a copy of this test binary under
/// `setpriv` as nobody; see [`as_nobody_child`].
#[test]
fn permissions_as_an_unprivileged_user() {
    if !is_root() {
        eprintln!("SKIP permissions_as_an_unprivileged_user: needs root to drop to nobody");
        return;
    }
    let d = dir();
    let root = d.path();
    fs::set_permissions(root, fs::Permissions::from_mode(0o755)).unwrap();
    let open = root.join("open");
    fs::create_dir(&open).unwrap();
    fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
    // Read-only for everyone; root's file writable by all; root's file
    // writable only by root.
    for (name, mode) in [("ro", 0o444), ("rootrw", 0o666), ("rootonly", 0o644)] {
        fs::write(open.join(name), "old").unwrap();
        fs::set_permissions(open.join(name), fs::Permissions::from_mode(mode)).unwrap();
    }
    let shut = root.join("shut");
    fs::create_dir(&shut).unwrap();
    fs::write(shut.join("f"), "old old").unwrap();
    fs::set_permissions(shut.join("f"), fs::Permissions::from_mode(0o666)).unwrap();
    fs::set_permissions(&shut, fs::Permissions::from_mode(0o755)).unwrap();

    let status = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "write::tests::as_nobody_child",
            "--include-ignored",
            "--nocapture",
        ])
        .env("SHARED_WRITE_CHILD_DIR", root)
        .status()
        .unwrap();
    assert!(status.success(), "the unprivileged half failed");
    assert_eq!(fs::read(open.join("ro")).unwrap(), b"old");
    assert_eq!(fs::read(open.join("rootonly")).unwrap(), b"old");
    let m = fs::metadata(open.join("rootrw")).unwrap();
    assert_eq!(fs::read(open.join("rootrw")).unwrap(), b"new");
    assert_eq!((m.uid(), m.mode() & 0o777), (0, 0o666), "still root's");
    assert_eq!(fs::read(shut.join("f")).unwrap(), b"new");
    assert_eq!(names(&shut), ["f"]);
    assert_eq!(names(&open), ["mine", "ro", "rootonly", "rootrw"]);
}

#[test]
#[ignore = "run by permissions_as_an_unprivileged_user"]
fn as_nobody_child() {
    let Some(root) = std::env::var_os("SHARED_WRITE_CHILD_DIR") else {
        return;
    };
    let root = Path::new(&root);
    assert_ne!(unsafe { libc::geteuid() }, 0);
    let open = root.join("open");
    let pol = Policy::default();
    let e = write_file(&open.join("ro"), b"new", &pol).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
    let e = write_file(&open.join("rootonly"), b"new", &pol).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
    // Writable but not ours to give away: rewritten in place.
    write_file(&open.join("rootrw"), b"new", &pol).unwrap();
    write_file(&open.join("mine"), b"x", &pol).unwrap();
    // Folder not writable, file writable: in place.
    write_file(&root.join("shut/f"), b"new", &pol).unwrap();
    let e = write_file(&root.join("shut/g"), b"new", &pol).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
}
