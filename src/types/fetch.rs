//! The data of one FETCH response.

use super::{BodyStructure, Envelope, Flag, Seq, Uid};

/// Which part of a message a body section holds, as the server named it in its FETCH response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SectionKey {
    /// Part numbers (`1.2` is `[1, 2]`), empty for the whole message.
    pub(crate) part: Vec<u32>,
    /// `HEADER` (also for `HEADER.FIELDS`), `TEXT`, `MIME`, or nothing.
    pub(crate) text: Option<&'static str>,
    /// The origin octet of a partial fetch (`BODY[]<0>`).
    pub(crate) origin: Option<u32>,
}

/// What one server FETCH response said about one message; several responses for the same
/// message within one command are merged into one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    pub(crate) seq: Seq,
    pub(crate) uid: Option<Uid>,
    pub(crate) flags: Option<Vec<Flag>>,
    pub(crate) modseq: Option<u64>,
    pub(crate) size: Option<u32>,
    pub(crate) internal_date: Option<String>,
    pub(crate) envelope: Option<Box<Envelope>>,
    pub(crate) body_structure: Option<Box<BodyStructure>>,
    pub(crate) sections: Vec<(SectionKey, Option<Vec<u8>>)>,
}

impl Fetch {
    pub(crate) fn new(seq: Seq) -> Self {
        Fetch {
            seq,
            uid: None,
            flags: None,
            modseq: None,
            size: None,
            internal_date: None,
            envelope: None,
            body_structure: None,
            sections: Vec::new(),
        }
    }

    /// The message's sequence number when the response was sent.
    pub fn seq(&self) -> Seq {
        self.seq
    }

    /// The message's UID, if the response carried it.
    pub fn uid(&self) -> Option<Uid> {
        self.uid
    }

    /// The message's flags, if the response carried them.
    pub fn flags(&self) -> Option<&[Flag]> {
        self.flags.as_deref()
    }

    /// The message's mod-sequence (RFC 7162), if the response carried it.
    pub fn modseq(&self) -> Option<u64> {
        self.modseq
    }

    /// The message's size in octets (`RFC822.SIZE`), if the response carried it.
    pub fn size(&self) -> Option<u32> {
        self.size
    }

    /// The message's internal date as the server wrote it (`INTERNALDATE`).
    pub fn internal_date(&self) -> Option<&str> {
        self.internal_date.as_deref()
    }

    /// The message's envelope (`ENVELOPE`): date, subject, addresses, Message-ID.
    pub fn envelope(&self) -> Option<&Envelope> {
        self.envelope.as_deref()
    }

    /// The message's MIME structure (`BODYSTRUCTURE`).
    pub fn body_structure(&self) -> Option<&BodyStructure> {
        self.body_structure.as_deref()
    }

    fn section(&self, part: &[u32], text: Option<&str>) -> Option<&[u8]> {
        self.sections
            .iter()
            .find(|(k, _)| k.part == part && k.text == text)
            .and_then(|(_, data)| data.as_deref())
    }

    /// The whole message (`BODY[]`, `BODY.PEEK[]` or `RFC822`), if fetched.
    pub fn body(&self) -> Option<&[u8]> {
        self.section(&[], None)
    }

    /// The message's header (`BODY[HEADER]`, `BODY[HEADER.FIELDS (...)]`, `RFC822.HEADER`).
    pub fn header(&self) -> Option<&[u8]> {
        self.section(&[], Some("HEADER"))
    }

    /// The message's text without the header (`BODY[TEXT]`, `RFC822.TEXT`).
    pub fn text(&self) -> Option<&[u8]> {
        self.section(&[], Some("TEXT"))
    }

    /// A MIME part's content (`BODY[1.2]`), if fetched.
    pub fn part(&self, part: &[u32]) -> Option<&[u8]> {
        self.section(part, None)
    }

    /// Does the response carry nothing but FLAGS (and UID / MODSEQ), like a pushed flag change?
    pub(crate) fn is_flags_only(&self) -> bool {
        self.flags.is_some()
            && self.sections.is_empty()
            && self.size.is_none()
            && self.internal_date.is_none()
            && self.envelope.is_none()
            && self.body_structure.is_none()
    }

    /// Merges a later response for the same message into this one.
    pub(crate) fn merge(&mut self, other: Fetch) {
        if other.uid.is_some() {
            self.uid = other.uid;
        }
        if other.flags.is_some() {
            self.flags = other.flags;
        }
        if other.modseq.is_some() {
            self.modseq = other.modseq;
        }
        if other.size.is_some() {
            self.size = other.size;
        }
        if other.internal_date.is_some() {
            self.internal_date = other.internal_date;
        }
        if other.envelope.is_some() {
            self.envelope = other.envelope;
        }
        if other.body_structure.is_some() {
            self.body_structure = other.body_structure;
        }
        for (key, data) in other.sections {
            match self.sections.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = data,
                None => self.sections.push((key, data)),
            }
        }
    }
}
