//! "Did you mean": the nearest known name to a misspelt one, shared by the
//! HCL reader, the reference resolver and the language server so that the CLI
//! and the editor suggest the same thing.

/// The Levenshtein distance between `a` and `b`, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = Vec::with_capacity(b.len() + 1);
    for (i, ca) in a.chars().enumerate() {
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// How far a suggestion may be from what was written: two edits, and never
/// more than half the word (so `id` does not suggest `at`).
fn max_distance(word: &str) -> usize {
    2.min(word.chars().count().div_ceil(2)).max(1)
}

/// The candidate nearest to `word` (ignoring ASCII case), if it is close
/// enough to be a likely typo; ties go to the first candidate.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let w = word.to_ascii_lowercase();
    let limit = max_distance(&w);
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if c.eq_ignore_ascii_case(word) {
            continue;
        }
        let d = edit_distance(&w, &c.to_ascii_lowercase());
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `x`?` for [`closest`], as a diagnostic's help.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_inserts_deletes_and_substitutions() {
        assert_eq!(edit_distance("email", "emial"), 2);
        assert_eq!(edit_distance("email", "emails"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("naïve", "naive"), 1);
    }

    #[test]
    fn suggests_only_close_names() {
        let names = ["users", "posts", "comments"];
        assert_eq!(closest("user", names), Some("users"));
        assert_eq!(closest("USRES", names), Some("users"));
        assert_eq!(closest("orders", names), None);
        // A short word does not drift to an unrelated short name.
        assert_eq!(closest("id", ["at", "ix"]), Some("ix"));
        assert_eq!(closest("id", ["abc"]), None);
    }

    #[test]
    fn the_same_name_is_no_suggestion() {
        assert_eq!(closest("users", ["users"]), None);
    }
}
