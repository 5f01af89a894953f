//! ESEARCH (RFC 4731, with SEARCHRES RFC 5182), SORT and THREAD (RFC 5256, SORT=DISPLAY
//! RFC 5957): the commands, their owned result types and the parsers of their responses.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::search_results::{ReturnOption, SearchResult, SortKey, Thread, ThreadAlgorithm};
use crate::types::{Search, Seq, Uid};
use crate::wire::encode::Command;
use crate::wire::parse::Response;
use crate::wire::search::sort_criteria;

impl Session {
    /// Is `cap` advertised (or implied by IMAP4rev2 when `in_rev2`)?
    fn has_cap(&mut self, cap: &str, in_rev2: bool) -> Result<bool> {
        let caps = self.conn.capabilities()?;
        Ok(caps.has(cap) || (in_rev2 && caps.has("IMAP4rev2")))
    }

    fn require_cap(&mut self, cap: &str, in_rev2: bool) -> Result<()> {
        if self.has_cap(cap, in_rev2)? {
            Ok(())
        } else {
            Err(Error::MissingCapability(cap.into()))
        }
    }

    /// Extended SEARCH (RFC 4731): asks only for what `options` name — the lowest or highest
    /// match, the count, all matches as a compact [`SequenceSet`](crate::SequenceSet) — with
    /// `SEARCH RETURN (...) criteria`; the answer is a single `* ESEARCH` response, matched
    /// to this command by its `(TAG ...)` correlator. Empty `options` mean `ALL`.
    /// [`ReturnOption::Save`] keeps the result on the server as `$` (RFC 5182).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{ReturnOption, Search};
    /// session.select("INBOX")?;
    /// let r = session.search_extended(&Search::all().unseen(), &[ReturnOption::Count])?;
    /// println!("{:?} unseen", r.count);
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// [`ReturnOption::Partial`] asks for one page of the matches (RFC 9394), in
    /// [`SearchResult::partial`](crate::SearchResult::partial).
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks ESEARCH (or SEARCHRES for
    /// `Save`, PARTIAL for `Partial`); [`Error::InvalidArgument`] for bad criteria or a
    /// partial range with position 0; [`Error::No`] / [`Error::Bad`]
    /// from the server (no mailbox selected, unknown charset ...).
    pub fn search_extended(
        &mut self,
        query: &Search,
        options: &[ReturnOption],
    ) -> Result<SearchResult> {
        self.esearch("SEARCH", query, options)
    }

    /// Like [`search_extended`](Self::search_extended), with UIDs (`UID SEARCH RETURN`).
    pub fn uid_search_extended(
        &mut self,
        query: &Search,
        options: &[ReturnOption],
    ) -> Result<SearchResult> {
        self.esearch("UID SEARCH", query, options)
    }

    fn esearch(
        &mut self,
        verb: &'static str,
        query: &Search,
        options: &[ReturnOption],
    ) -> Result<SearchResult> {
        self.require_cap("ESEARCH", true)?;
        if options.contains(&ReturnOption::Save) {
            self.require_cap("SEARCHRES", true)?;
        }
        let mut words: Vec<String> = Vec::new();
        for o in options {
            if let ReturnOption::Partial(range) = o {
                range.check()?;
                self.require_cap("PARTIAL", false)?;
            }
            let word = o.render();
            // One PARTIAL at most (RFC 9394): the first one given.
            if !words
                .iter()
                .any(|w| w.split(' ').next() == Some(o.as_str()))
            {
                words.push(word);
            }
        }
        let uid = verb.starts_with("UID");
        let mut cmd = Command::new(verb);
        cmd.raw(&format!("RETURN ({})", words.join(" ")));
        if query.needs_utf8() && !self.conn.utf8_accept() {
            cmd.raw("CHARSET UTF-8");
        }
        query.encode(&mut cmd)?;
        let tag = self.conn.send(cmd)?;
        let mut result = SearchResult {
            uid,
            ..SearchResult::default()
        };
        let ours = |r: &Response| match r {
            Response::ESearch { tag: t, .. } => {
                t.as_deref().map_or(true, |t| t.eq_ignore_ascii_case(&tag))
            }
            // A server that ignores RETURN answers the old way.
            Response::Search { .. } => true,
            _ => false,
        };
        self.conn.finish(&tag, &ours, &mut |r| match r {
            Response::ESearch { result: r, .. } => result.merge(r),
            Response::Search { nums, modseq } => {
                result.merge(SearchResult::from_plain(&nums, modseq, uid, options));
            }
            _ => {}
        })?;
        Ok(result)
    }

    fn sort_command(
        &mut self,
        verb: &'static str,
        keys: &[SortKey],
        query: &Search,
    ) -> Result<Vec<u32>> {
        let display = keys
            .iter()
            .any(|k| matches!(k, SortKey::DisplayFrom | SortKey::DisplayTo));
        self.require_cap(if display { "SORT=DISPLAY" } else { "SORT" }, false)?;
        let mut cmd = Command::new(verb);
        cmd.raw(&sort_criteria(keys)?);
        cmd.raw("UTF-8");
        query.encode(&mut cmd)?;
        // Bounded by `max_result_size` (`Conn::finish`), like every collected result.
        let mut out = Vec::new();
        self.conn
            .run(cmd, &|r| matches!(r, Response::Sort { .. }), &mut |r| {
                if let Response::Sort { nums, .. } = r {
                    out.extend(nums);
                }
            })?;
        Ok(out)
    }

    /// Sorts the messages matching `query` (SORT, RFC 5256) and returns their sequence
    /// numbers in that order. The criteria go with charset UTF-8.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{Search, SortKey};
    /// session.select("INBOX")?;
    /// let newest_first = session.sort(&[SortKey::Reverse, SortKey::Arrival], &Search::all())?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks SORT (SORT=DISPLAY for
    /// [`SortKey::DisplayFrom`] / [`SortKey::DisplayTo`]); [`Error::InvalidArgument`] for no
    /// keys, a [`SortKey::Reverse`] not followed by a key, or bad criteria; [`Error::No`] /
    /// [`Error::Bad`] from the server.
    pub fn sort(&mut self, keys: &[SortKey], query: &Search) -> Result<Vec<Seq>> {
        Ok(self
            .sort_command("SORT", keys, query)?
            .into_iter()
            .map(Seq)
            .collect())
    }

    /// Like [`sort`](Self::sort), returning UIDs (UID SORT).
    pub fn uid_sort(&mut self, keys: &[SortKey], query: &Search) -> Result<Vec<Uid>> {
        Ok(self
            .sort_command("UID SORT", keys, query)?
            .into_iter()
            .map(Uid)
            .collect())
    }

    fn thread_command(
        &mut self,
        verb: &'static str,
        algorithm: ThreadAlgorithm,
        query: &Search,
    ) -> Result<Vec<Thread<u32>>> {
        let cap = format!("THREAD={}", algorithm.as_str());
        self.require_cap(&cap, false)?;
        let mut cmd = Command::new(verb);
        cmd.raw(algorithm.as_str());
        cmd.raw("UTF-8");
        query.encode(&mut cmd)?;
        // Bounded by `max_result_size` (`Conn::finish`), like every collected result.
        let mut out = Vec::new();
        self.conn
            .run(cmd, &|r| matches!(r, Response::Thread(_)), &mut |r| {
                if let Response::Thread(t) = r {
                    out.extend(t);
                }
            })?;
        Ok(out)
    }

    /// Groups the messages matching `query` into conversations (THREAD, RFC 5256) with
    /// `algorithm`; see [`Thread`] for the shape. The criteria go with charset UTF-8.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{Search, ThreadAlgorithm};
    /// session.select("INBOX")?;
    /// for t in session.thread(ThreadAlgorithm::References, &Search::all())? {
    ///     println!("{} messages, first {:?}", t.len(), t.root());
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks `THREAD=<algorithm>`;
    /// [`Error::InvalidArgument`] for bad criteria; [`Error::No`] / [`Error::Bad`] from the
    /// server.
    pub fn thread(
        &mut self,
        algorithm: ThreadAlgorithm,
        query: &Search,
    ) -> Result<Vec<Thread<Seq>>> {
        Ok(self
            .thread_command("THREAD", algorithm, query)?
            .into_iter()
            .map(|t| t.map(&Seq))
            .collect())
    }

    /// Like [`thread`](Self::thread), with UIDs (UID THREAD).
    pub fn uid_thread(
        &mut self,
        algorithm: ThreadAlgorithm,
        query: &Search,
    ) -> Result<Vec<Thread<Uid>>> {
        Ok(self
            .thread_command("UID THREAD", algorithm, query)?
            .into_iter()
            .map(|t| t.map(&Uid))
            .collect())
    }
}

#[cfg(test)]
mod tests {

    use crate::types::search_results::{
        ReturnOption, SearchResult, SortKey, Thread, MAX_THREAD_DEPTH,
    };
    use crate::wire::lexer::Cursor;
    use crate::wire::search::{parse_esearch, parse_thread, sort_criteria};

    use crate::error::Error;
    use crate::types::*;

    fn esearch(s: &str) -> (Option<String>, SearchResult) {
        parse_esearch(&mut Cursor::new(s.as_bytes())).unwrap()
    }

    fn thread(s: &str) -> Vec<Thread<u32>> {
        parse_thread(&mut Cursor::new(s.as_bytes())).unwrap()
    }

    fn t(messages: &[u32], children: Vec<Thread<u32>>) -> Thread<u32> {
        Thread {
            messages: messages.to_vec(),
            children,
        }
    }

    /// Recorded Dovecot and Gmail replies (tests/corpus/mailkit), after the keyword.
    const CORPUS_ESEARCH: &[&str] = &[
        // dovecot/search-uids-options.txt
        " (TAG \"A00000005\") UID MIN 2 MAX 13 ALL 2:6,9:13 COUNT 10 RELEVANCY (2 3 4 5 6 9 10 11 12 13)\r\n",
        // dovecot/search-changed-since.txt
        " (TAG \"A00000005\") UID MIN 1 MAX 7 ALL 1:7 COUNT 7 MODSEQ 4 RELEVANCY (11 22 33 44 55 66 77)\r\n",
        // dovecot/search-partial-negative.txt
        " (TAG \"A00000005\") UID PARTIAL (-1:-10 5:14)\r\n",
        // dovecot/search-partial-nil.txt
        " (TAG \"A00000005\") UID PARTIAL (100:110 NIL)\r\n",
        // dovecot/sort-partial-count.txt
        " (TAG \"A00000005\") UID COUNT 14 PARTIAL (1:5 14,12,10,8,6)\r\n",
        // dovecot/sort-by-date.txt (ESORT: ALL in sort order)
        " (TAG \"A00000005\") UID ALL 7,14,6,13,5,12,4,11,3,10,2,9,1,8\r\n",
        // gmail/search.txt
        " (TAG \"A00000005\") UID ALL 1:3,5,7:9,11:14,26:29,31,34,41:43,50\r\n",
    ];

    #[test]
    fn esearch_rfc_and_quirky_forms() {
        // RFC 4731 section 3.1.
        let (tag, r) = esearch(" (TAG \"A0002\") UID MIN 1 MAX 9 COUNT 5 ALL 1:3,5\r\n");
        assert_eq!(tag.as_deref(), Some("A0002"));
        assert_eq!(
            r,
            SearchResult {
                min: Some(1),
                max: Some(9),
                count: Some(5),
                all: SequenceSet::from([1, 2, 3, 5]),
                partial: None,
                modseq: None,
                uid: true,
                unparsed: Vec::new(),
            }
        );
        // No correlator, lower case, doubled spaces, MODSEQ (RFC 7162 section 3.1.5).
        let (tag, r) = esearch("  uid  min 2 all 2,10:11 modseq 18446744073709551615  \r\n");
        assert_eq!(tag, None);
        assert!(r.uid);
        assert_eq!((r.min, r.max, r.count), (Some(2), None, None));
        assert_eq!(r.all.to_string(), "2,10:11");
        assert_eq!(r.modseq, Some(u64::MAX));
        // Nothing matched: only the correlator; an atom tag; a non-UID answer.
        let (tag, r) = esearch(" (tag a7)\r\n");
        assert_eq!((tag.as_deref(), r), (Some("a7"), SearchResult::default()));
        let (_, r) = esearch(" (TAG \"x\") COUNT 0\r\n");
        assert_eq!((r.count, r.uid), (Some(0), false));
        // An unknown correlator item is skipped.
        let (tag, _) = esearch(" (X-FOO (1 2) TAG \"A3\") ALL 1\r\n");
        assert_eq!(tag.as_deref(), Some("A3"));
        // Broken frames are errors.
        for bad in [" (TAG \"A1\" UID\r\n", " PARTIAL (1:3\r\n", " X \"open\r\n"] {
            assert!(
                parse_esearch(&mut Cursor::new(bad.as_bytes())).is_err(),
                "{bad:?}"
            );
        }
        // One odd item costs only itself.
        let odd = |s: &str| {
            let (_, r) = esearch(s);
            let names: Vec<String> = r.unparsed.iter().map(|u| u.name().into()).collect();
            (r, names)
        };
        let (r, n) = odd(" (TAG \"A1\") UID MIN x COUNT 3 ALL 0 MAX -1 MODSEQ (7)\r\n");
        assert_eq!(
            (r.uid, r.count, r.min, r.max, r.modseq),
            (true, Some(3), None, None, None)
        );
        assert_eq!(n, ["MIN", "ALL", "MAX", "MODSEQ"]);
        assert_eq!(r.unparsed[3].raw(), b"MODSEQ (7)");
        let (r, n) = odd(" ALL , COUNT\r\n");
        assert_eq!(
            (r.all.is_empty(), n),
            (true, vec!["ALL".to_string(), "COUNT".into()])
        );
        // Return data of other extensions is kept whole; PARTIAL (RFC 9394) is read.
        let (r, n) = odd(" COUNT 2 PARTIAL (1:10 5,7) RELEVANCY (90 80) MAX 7\r\n");
        assert_eq!((r.count, r.max), (Some(2), Some(7)));
        assert_eq!(n, ["RELEVANCY"]);
        assert_eq!(r.unparsed[0].raw(), b"RELEVANCY (90 80)");
        let page = r.partial.unwrap();
        assert_eq!(
            page.range(),
            crate::types::partial::PartialRange::first(1, 10)
        );
        assert_eq!(page.matches().to_string(), "5,7");
        // An odd PARTIAL costs only itself.
        for bad in ["(0:10 5)", "(1:-3 5)", "(1:3)", "(1:3 x)"] {
            let (r, n) = odd(&format!(" PARTIAL {bad} COUNT 1\r\n"));
            assert_eq!(
                (r.partial, r.count, n),
                (None, Some(1), vec!["PARTIAL".to_string()]),
                "{bad}"
            );
        }
    }

    #[test]
    fn esearch_corpus() {
        let parsed: Vec<_> = CORPUS_ESEARCH.iter().map(|s| esearch(s)).collect();
        assert!(parsed
            .iter()
            .all(|(tag, r)| tag.as_deref() == Some("A00000005") && r.uid));
        assert_eq!(parsed[0].1.all.to_string(), "2:6,9:13");
        assert_eq!(parsed[0].1.count, Some(10));
        assert_eq!(parsed[1].1.modseq, Some(4));
        assert_eq!(parsed[2].1.all, SequenceSet::new());
        let page = parsed[2].1.partial.as_ref().unwrap();
        assert_eq!(page.range().to_string(), "-1:-10");
        assert_eq!(page.matches().to_string(), "5:14");
        assert_eq!(parsed[4].1.count, Some(14));
        assert_eq!(parsed[5].1.all.to_string(), "1:14");
        assert_eq!(parsed[6].1.all.len(), 21);
    }

    #[test]
    fn plain_search_answers_fill_the_same_shape() {
        let r = SearchResult::from_plain(&[5, 2, 9], Some(7), true, &[ReturnOption::Min]);
        assert_eq!(
            (r.min, r.max, r.count, r.all.is_empty()),
            (Some(2), None, None, true)
        );
        let r = SearchResult::from_plain(&[5, 2, 9], None, false, &[]);
        assert_eq!((r.count, r.all.to_string()), (Some(3), "2,5,9".to_string()));
        let r = SearchResult::from_plain(&[], None, false, &[ReturnOption::Min]);
        assert_eq!(r.min, None);
    }

    #[test]
    fn thread_rfc_example() {
        // RFC 5256 section 4.
        let got = thread(" (2)(3 6 (4 23)(44 7 96))\r\n");
        assert_eq!(
            got,
            vec![
                t(&[2], vec![]),
                t(&[3, 6], vec![t(&[4, 23], vec![]), t(&[44, 7, 96], vec![])]),
            ]
        );
        assert_eq!(
            got[1].iter().copied().collect::<Vec<_>>(),
            [3, 6, 4, 23, 44, 7, 96]
        );
        assert_eq!((got[1].len(), got[1].root()), (7, Some(&3)));
        // A missing parent: 3 and 5 answer a message not in the mailbox.
        let got = thread(" ((3)(5))\r\n");
        assert_eq!(got, vec![t(&[], vec![t(&[3], vec![]), t(&[5], vec![])])]);
        assert_eq!(got[0].root(), None);
        assert_eq!(got[0].iter().copied().collect::<Vec<_>>(), [3, 5]);
    }

    #[test]
    fn thread_corpus_and_quirks() {
        // dovecot/thread-references.txt and thread-orderedsubject.txt.
        let got = thread(" (1 (2 (3 5)(6))(4))(7)\r\n");
        assert_eq!(
            got,
            vec![
                t(
                    &[1],
                    vec![
                        t(&[2], vec![t(&[3, 5], vec![]), t(&[6], vec![])]),
                        t(&[4], vec![])
                    ]
                ),
                t(&[7], vec![]),
            ]
        );
        assert_eq!(thread(" (1)(2)(3)(4)(5)(6)(7)\r\n").len(), 7);
        // Nothing matched, spaces between lists, empty lists, lower-case keyword upstream.
        assert!(thread("\r\n").is_empty());
        assert!(thread("").is_empty());
        assert_eq!(
            thread(" (1) (2 3)  ()\r\n"),
            vec![t(&[1], vec![]), t(&[2, 3], vec![])]
        );
        for bad in [
            " (1\r\n",
            " 1 2\r\n",
            " (1))\r\n",
            " (1 (2)(3) 4)\r\n",
            " (0)\r\n",
            " (x)\r\n",
        ] {
            assert!(
                parse_thread(&mut Cursor::new(bad.as_bytes())).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn deep_threads_neither_recurse_nor_overflow() {
        // A long chain is flat, whatever its length.
        let chain: Vec<String> = (1..=100_000).map(|n| n.to_string()).collect();
        let got = thread(&format!(" ({})\r\n", chain.join(" ")));
        assert_eq!(got[0].messages().len(), 100_000);
        // Nesting up to the limit parses; beyond it is refused, not a stack overflow.
        let nested = |depth: usize| {
            let mut s = String::from(" ");
            for i in 1..=depth {
                s.push_str(&format!("({i} "));
            }
            s.push_str(&")".repeat(depth));
            s
        };
        let got = thread(&nested(MAX_THREAD_DEPTH));
        assert_eq!(got[0].len(), MAX_THREAD_DEPTH);
        assert_eq!(got[0].iter().last(), Some(&(MAX_THREAD_DEPTH as u32)));
        let deep = nested(1_000_000);
        let err = parse_thread(&mut Cursor::new(deep.as_bytes())).unwrap_err();
        assert!(err.contains("deeper"), "{err}");
    }

    #[test]
    fn sort_keys() {
        assert_eq!(
            sort_criteria(&[SortKey::Reverse, SortKey::Date, SortKey::Subject]).unwrap(),
            "(REVERSE DATE SUBJECT)"
        );
        assert_eq!(
            sort_criteria(&[SortKey::DisplayFrom, SortKey::Reverse, SortKey::DisplayTo]).unwrap(),
            "(DISPLAYFROM REVERSE DISPLAYTO)"
        );
        for bad in [
            &[][..],
            &[SortKey::Reverse],
            &[SortKey::Date, SortKey::Reverse],
            &[SortKey::Reverse, SortKey::Reverse, SortKey::Date],
        ] {
            assert!(
                matches!(sort_criteria(bad), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn thread_map_keeps_the_shape() {
        let got = thread(" (3 6 (4 23)(44 7 96))\r\n");
        let uids: Vec<Thread<Uid>> = got.into_iter().map(|t| t.map(&Uid)).collect();
        assert_eq!(uids[0].messages(), [Uid(3), Uid(6)]);
        assert_eq!(uids[0].children()[1].messages(), [Uid(44), Uid(7), Uid(96)]);
        assert!(!uids[0].is_empty());
    }
}
