//! Work-directory paths: relative, normalised, never leaving the work directory.

/// Why a path was refused; the message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    Empty,
    Absolute,
    Escapes,
    NotNormalised(String),
    BadCharacter,
}

impl PathProblem {
    pub fn explain(&self) -> String {
        match self {
            PathProblem::Empty => "is empty; give a relative path such as `data/input.csv`".into(),
            PathProblem::Absolute => {
                "is absolute; paths are relative to the job's work directory, e.g. `input.csv`"
                    .into()
            }
            PathProblem::Escapes => "leaves the work directory (`..`); use a path inside it".into(),
            PathProblem::NotNormalised(n) => format!("is not normalised; write it as `{n}`"),
            PathProblem::BadCharacter => {
                "holds a backslash or a control character; use `/` between parts".into()
            }
        }
    }
}

/// Checks that `path` is a relative, normalised path inside the work directory
/// (`a/b.csv`, not `./a//b.csv`, `../x` or `/etc/passwd`).
pub fn check_relative(path: &str) -> Result<(), PathProblem> {
    if path.is_empty() {
        return Err(PathProblem::Empty);
    }
    if path.chars().any(|c| c == '\\' || c.is_control()) {
        return Err(PathProblem::BadCharacter);
    }
    if path.starts_with('/') {
        return Err(PathProblem::Absolute);
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut messy = false;
    for part in path.split('/') {
        match part {
            "" | "." => messy = true,
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathProblem::Escapes);
                }
                messy = true;
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Err(PathProblem::Escapes);
    }
    if messy {
        return Err(PathProblem::NotNormalised(parts.join("/")));
    }
    Ok(())
}

/// True when `path` holds glob metacharacters (`*`, `?`, `[`).
pub fn is_glob(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_relative_paths() {
        for ok in [
            "a",
            "a/b.csv",
            "out/report.json",
            "data set/ünïcode.csv",
            ".hidden",
        ] {
            assert_eq!(check_relative(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_escapes_and_absolutes() {
        assert_eq!(check_relative("../x"), Err(PathProblem::Escapes));
        assert_eq!(check_relative("a/../../x"), Err(PathProblem::Escapes));
        assert_eq!(check_relative("/etc/passwd"), Err(PathProblem::Absolute));
        assert_eq!(check_relative(""), Err(PathProblem::Empty));
        assert_eq!(check_relative("."), Err(PathProblem::Escapes));
        assert_eq!(check_relative("a\\b"), Err(PathProblem::BadCharacter));
        assert_eq!(
            check_relative("./a//b"),
            Err(PathProblem::NotNormalised("a/b".into()))
        );
        assert_eq!(
            check_relative("a/../b"),
            Err(PathProblem::NotNormalised("b".into()))
        );
    }
}
