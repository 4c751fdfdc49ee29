//! Where a run's lines go: stdout for the report, stderr for errors,
//! warnings and INFO lines, as upstream splits them. The binary writes to
//! the process's streams, the fuzz target to a sink. Writing never panics.

use std::io::{self, Write};

/// A run's two streams.
pub struct Output {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    /// The first error writing the report, for [`Output::status`].
    out_error: Option<io::Error>,
}

impl Output {
    /// The process's stdout and stderr.
    pub fn std() -> Output {
        Output::new(Box::new(io::stdout()), Box::new(io::stderr()))
    }

    /// Everything dropped.
    pub fn sink() -> Output {
        Output::new(Box::new(io::sink()), Box::new(io::sink()))
    }

    fn new(out: Box<dyn Write>, err: Box<dyn Write>) -> Output {
        Output {
            out,
            err,
            out_error: None,
        }
    }

    /// A line of the report.
    pub fn out(&mut self, line: &str) {
        let r = writeln!(self.out, "{line}");
        self.note(r);
    }

    /// A line on stderr, in one write (stderr is unbuffered); its errors
    /// are ignored (nowhere left to tell).
    pub fn err(&mut self, line: &str) {
        let _ = self.err.write_all(format!("{line}\n").as_bytes());
    }

    /// Many lines of the report at once, written through one buffer
    /// rather than one write per line.
    pub fn out_all(&mut self, each: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
        let mut buf = io::BufWriter::new(&mut self.out);
        let r = each(&mut buf).and_then(|()| buf.flush());
        drop(buf);
        self.note(r);
    }

    fn note(&mut self, r: io::Result<()>) {
        if let Err(e) = r {
            self.out_error.get_or_insert(e);
        }
    }

    /// The run's status once its report is out: a report that could not be
    /// written (a full disk, an I/O error) fails the run, unlike upstream; a
    /// reader that closed the pipe early (`| head`) stays quiet.
    pub fn status(mut self, status: i32) -> i32 {
        let r = self.out.flush();
        self.note(r);
        match self.out_error.take() {
            None => status,
            Some(e) if e.kind() == io::ErrorKind::BrokenPipe => status,
            Some(e) => {
                self.err(&format!("ERROR: cannot write the report to stdout: {e}"));
                1
            }
        }
    }
}
