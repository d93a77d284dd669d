//! "Did you mean": the nearest known name to a misspelt one, shared by the
//! HCL reader, the reference resolver and the language server so that the CLI
//! and the editor suggest the same thing.

/// The edit distance between `a` and `b`, by characters: inserts, deletes,
/// substitutions and swaps of two neighbours (the commonest typo: `emial`)
/// each count one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back (for swaps), the previous and the current.
    let mut older: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 0..a.len() {
        cur[0] = i + 1;
        for j in 0..b.len() {
            let cost = usize::from(a[i] != b[j]);
            let mut d = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                d = d.min(older[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        std::mem::swap(&mut older, &mut prev);
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
/// enough to be a likely typo; ties go to the name that sorts first, so the
/// answer does not depend on the candidates' order.
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
        if d <= limit && best.is_none_or(|b| (d, c) < b) {
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
        assert_eq!(edit_distance("email", "emial"), 1);
        assert_eq!(edit_distance("text", "txet"), 1);
        assert_eq!(edit_distance("abc", "ca"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
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
