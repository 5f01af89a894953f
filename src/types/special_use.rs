//! Special-use mailboxes (RFC 6154, RFC 8457): what a mailbox is for, found by its attribute
//! or, on servers without SPECIAL-USE, by the names mail clients commonly give it.

use std::fmt;

use super::{Name, NameAttribute};

/// What a mailbox is for (RFC 6154 section 2, RFC 8457).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpecialUse {
    /// `\All`: every message of the account (Gmail's "All Mail").
    All,
    /// `\Archive`: archived messages.
    Archive,
    /// `\Drafts`: drafts being written.
    Drafts,
    /// `\Flagged`: a virtual mailbox of the flagged messages (Gmail's "Starred").
    Flagged,
    /// `\Junk`: spam.
    Junk,
    /// `\Sent`: copies of messages sent.
    Sent,
    /// `\Trash`: deleted messages, before they go for good.
    Trash,
    /// `\Important` (RFC 8457).
    Important,
}

impl SpecialUse {
    /// Every special use, in the order [`Session::special_use_mailboxes`](crate::Session::special_use_mailboxes)
    /// reports them.
    pub const EVERY: [SpecialUse; 8] = [
        SpecialUse::Trash,
        SpecialUse::Sent,
        SpecialUse::Drafts,
        SpecialUse::Junk,
        SpecialUse::Archive,
        SpecialUse::All,
        SpecialUse::Flagged,
        SpecialUse::Important,
    ];

    /// The attribute as IMAP writes it: `\Trash`, `\Sent`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            SpecialUse::All => "\\All",
            SpecialUse::Archive => "\\Archive",
            SpecialUse::Drafts => "\\Drafts",
            SpecialUse::Flagged => "\\Flagged",
            SpecialUse::Junk => "\\Junk",
            SpecialUse::Sent => "\\Sent",
            SpecialUse::Trash => "\\Trash",
            SpecialUse::Important => "\\Important",
        }
    }

    /// The LIST attribute of this use.
    pub fn attribute(self) -> NameAttribute {
        match self {
            SpecialUse::All => NameAttribute::All,
            SpecialUse::Archive => NameAttribute::Archive,
            SpecialUse::Drafts => NameAttribute::Drafts,
            SpecialUse::Flagged => NameAttribute::Flagged,
            SpecialUse::Junk => NameAttribute::Junk,
            SpecialUse::Sent => NameAttribute::Sent,
            SpecialUse::Trash => NameAttribute::Trash,
            SpecialUse::Important => NameAttribute::Important,
        }
    }

    /// The use a LIST attribute names: the RFC 6154 / RFC 8457 attributes, and the
    /// attributes of Gmail's older XLIST (`\AllMail`, `\Spam`, `\Starred`). `None` for
    /// any other attribute.
    pub fn from_attribute(attr: &NameAttribute) -> Option<SpecialUse> {
        Some(match attr {
            NameAttribute::All => SpecialUse::All,
            NameAttribute::Archive => SpecialUse::Archive,
            NameAttribute::Drafts => SpecialUse::Drafts,
            NameAttribute::Flagged => SpecialUse::Flagged,
            NameAttribute::Junk => SpecialUse::Junk,
            NameAttribute::Sent => SpecialUse::Sent,
            NameAttribute::Trash => SpecialUse::Trash,
            NameAttribute::Important => SpecialUse::Important,
            NameAttribute::Other(s) if s.eq_ignore_ascii_case("\\AllMail") => SpecialUse::All,
            NameAttribute::Other(s) if s.eq_ignore_ascii_case("\\Spam") => SpecialUse::Junk,
            NameAttribute::Other(s) if s.eq_ignore_ascii_case("\\Starred") => SpecialUse::Flagged,
            _ => return None,
        })
    }

    /// The names mail clients and servers commonly give a mailbox of this use, looked for
    /// when a server marks none with the attribute. Compared without regard to case, after
    /// taking off one `INBOX`, `[Gmail]` or `[Google Mail]` level (`INBOX.Sent`,
    /// `[Gmail]/Sent Mail`); earlier names win. English, German, French, Spanish, Italian,
    /// Dutch, Portuguese, Russian, Chinese and Japanese. A name that means one use in one
    /// product and another elsewhere (Chinese 垃圾箱 is Trash at some providers and Junk at
    /// others) is left out: no guess is better than a wrong one for "move to Trash".
    pub fn common_names(self) -> &'static [&'static str] {
        match self {
            SpecialUse::Trash => &[
                "Trash",
                "Deleted Items",
                "Deleted Messages",
                "Deleted",
                "Bin",
                "Papierkorb",
                "Gelöschte Elemente",
                "Gelöschte Objekte",
                "Corbeille",
                "Éléments supprimés",
                "Papelera",
                "Elementos eliminados",
                "Cestino",
                "Posta eliminata",
                "Prullenbak",
                "Verwijderde items",
                "Lixeira",
                "Lixo",
                "Itens excluídos",
                "Корзина",
                "Удаленные",
                "Удалённые",
                "已删除",
                "已删除邮件",
                "ゴミ箱",
                "削除済みアイテム",
            ],
            SpecialUse::Sent => &[
                "Sent",
                "Sent Items",
                "Sent Messages",
                "Sent Mail",
                "Gesendet",
                "Gesendete Elemente",
                "Gesendete Objekte",
                "Envoyés",
                "Éléments envoyés",
                "Messages envoyés",
                "Enviados",
                "Elementos enviados",
                "Inviata",
                "Posta inviata",
                "Verzonden",
                "Verzonden items",
                "Itens enviados",
                "Отправленные",
                "已发送",
                "已发送邮件",
                "送信済み",
                "送信済みアイテム",
            ],
            SpecialUse::Drafts => &[
                "Drafts",
                "Draft",
                "Entwürfe",
                "Brouillons",
                "Borradores",
                "Bozze",
                "Concepten",
                "Rascunhos",
                "Черновики",
                "草稿",
                "草稿箱",
                "下書き",
            ],
            SpecialUse::Junk => &[
                "Junk",
                "Spam",
                "Junk E-mail",
                "Junk Email",
                "Junk Mail",
                "Bulk Mail",
                "Spamverdacht",
                "Courrier indésirable",
                "Indésirables",
                "Correo no deseado",
                "Posta indesiderata",
                "Ongewenste e-mail",
                "Lixo eletrônico",
                "Спам",
                "垃圾邮件",
                "迷惑メール",
            ],
            SpecialUse::Archive => &[
                "Archive",
                "Archives",
                "Archiv",
                "Archivo",
                "Archivio",
                "Archief",
                "Arquivo",
                "Архив",
                "归档",
                "存档",
                "アーカイブ",
            ],
            SpecialUse::All => &[
                "All Mail",
                "Alle Nachrichten",
                "Tous les messages",
                "Todos",
                "Tutti i messaggi",
                "Alle berichten",
                "Todos os e-mails",
                "Вся почта",
                "所有邮件",
                "すべてのメール",
            ],
            SpecialUse::Flagged => &["Flagged", "Starred", "Markiert", "Suivis"],
            SpecialUse::Important => &["Important", "Wichtig"],
        }
    }
}

impl fmt::Display for SpecialUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a special-use mailbox was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FoundBy {
    /// The server marked it with the RFC 6154 attribute (or Gmail's XLIST one).
    Attribute,
    /// No mailbox had the attribute: its name is one of [`SpecialUse::common_names`].
    CommonName,
}

/// A mailbox of a special use, from
/// [`Session::special_use_mailboxes`](crate::Session::special_use_mailboxes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialMailbox {
    pub(crate) special_use: SpecialUse,
    pub(crate) name: Name,
    pub(crate) found_by: FoundBy,
}

impl SpecialMailbox {
    /// What the mailbox is for.
    pub fn special_use(&self) -> SpecialUse {
        self.special_use
    }

    /// The mailbox, as LIST gave it.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// By its attribute, or by its name.
    pub fn found_by(&self) -> FoundBy {
        self.found_by
    }
}

/// `name` without one leading `INBOX`, `[Gmail]` or `[Google Mail]` level, or as it is.
fn without_known_parent(name: &str, delimiter: Option<char>) -> &str {
    let Some(d) = delimiter else {
        return name;
    };
    for parent in ["INBOX", "[Gmail]", "[Google Mail]"] {
        if let Some(head) = name.get(..parent.len()) {
            if head.eq_ignore_ascii_case(parent) {
                if let Some(rest) = name[parent.len()..].strip_prefix(d) {
                    return rest;
                }
            }
        }
    }
    name
}

/// The mailbox of each special use among `names` (one LIST's answer): by attribute first
/// (the first mailbox carrying it), else by the earliest of the use's common names, on a
/// top-level (or `INBOX` / `[Gmail]` child) selectable mailbox. One mailbox serves at most
/// one use found by name. Linear in the names times the table (a fixed size): each name
/// is decoded and lower-cased once.
pub(crate) fn resolve(names: &[Name]) -> Vec<SpecialMailbox> {
    let mut out: Vec<SpecialMailbox> = Vec::new();
    for u in SpecialUse::EVERY {
        let by_attr = names.iter().find(|n| {
            n.attributes()
                .iter()
                .any(|a| SpecialUse::from_attribute(a) == Some(u))
        });
        if let Some(n) = by_attr {
            out.push(SpecialMailbox {
                special_use: u,
                name: n.clone(),
                found_by: FoundBy::Attribute,
            });
        }
    }
    // Each selectable name's last level (after a known parent), lower-cased, computed once:
    // `None` for a name deeper in the hierarchy, which is somebody's folder, not the
    // account's.
    let leaves: Vec<Option<String>> = names
        .iter()
        .map(|n| {
            if !n.is_selectable() {
                return None;
            }
            let full = n.name().to_string();
            let leaf = without_known_parent(&full, n.delimiter());
            if n.delimiter().is_some_and(|d| leaf.contains(d)) {
                return None;
            }
            Some(leaf.to_lowercase())
        })
        .collect();
    for u in SpecialUse::EVERY {
        if out.iter().any(|m| m.special_use == u) {
            continue;
        }
        // A mailbox that already has a use (by attribute or name) is not taken again.
        let found = u.common_names().iter().find_map(|common| {
            let common = common.to_lowercase();
            (0..names.len()).find(|&i| {
                leaves[i].as_deref() == Some(common.as_str())
                    && !out.iter().any(|m| m.name.name() == names[i].name())
            })
        });
        if let Some(i) = found {
            out.push(SpecialMailbox {
                special_use: u,
                name: names[i].clone(),
                found_by: FoundBy::CommonName,
            });
        }
    }
    out.sort_by_key(|m| SpecialUse::EVERY.iter().position(|u| *u == m.special_use));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::MailboxName;

    fn name(n: &str, attrs: &[&str]) -> Name {
        Name {
            name: MailboxName::from(n),
            delimiter: Some('/'),
            attributes: attrs.iter().map(|a| NameAttribute::parse(a)).collect(),
            old_name: None,
        }
    }

    fn find(found: &[SpecialMailbox], u: SpecialUse) -> Option<(String, FoundBy)> {
        found
            .iter()
            .find(|m| m.special_use() == u)
            .map(|m| (m.name().name().to_string(), m.found_by()))
    }

    #[test]
    fn attributes_win_over_names() {
        let names = [
            name("INBOX", &[]),
            name("Trash", &[]),
            name("Bin", &["\\Trash"]),
            name("Sent", &[]),
        ];
        let f = resolve(&names);
        assert_eq!(
            find(&f, SpecialUse::Trash),
            Some(("Bin".into(), FoundBy::Attribute))
        );
        assert_eq!(
            find(&f, SpecialUse::Sent),
            Some(("Sent".into(), FoundBy::CommonName))
        );
        assert_eq!(find(&f, SpecialUse::Junk), None);
    }

    #[test]
    fn names_in_languages_and_under_known_parents() {
        let names = [
            name("INBOX", &[]),
            name("INBOX/Papierkorb", &[]),
            name("[Gmail]/Sent Mail", &[]),
            name("Entwürfe", &[]),
            name("Спам", &[]),
            name("Lists/Archive", &[]),
            name("已发送", &[]),
            name("ゴミ箱", &["\\NoSelect"]),
        ];
        let f = resolve(&names);
        assert_eq!(find(&f, SpecialUse::Trash).unwrap().0, "INBOX/Papierkorb");
        assert_eq!(find(&f, SpecialUse::Sent).unwrap().0, "[Gmail]/Sent Mail");
        assert_eq!(find(&f, SpecialUse::Drafts).unwrap().0, "Entwürfe");
        assert_eq!(find(&f, SpecialUse::Junk).unwrap().0, "Спам");
        // A nested "Archive" is somebody's folder, not the account's archive.
        assert_eq!(find(&f, SpecialUse::Archive), None);
        // Case does not matter; an earlier name of the table wins.
        let f = resolve(&[name("sent items", &[]), name("SENT", &[])]);
        assert_eq!(find(&f, SpecialUse::Sent).unwrap().0, "SENT");
    }

    #[test]
    fn gmail_xlist_attributes_and_one_use_per_named_mailbox() {
        let names = [
            name("[Gmail]/All Mail", &["\\AllMail"]),
            name("[Gmail]/Spam", &["\\Spam"]),
            name("[Gmail]/Starred", &["\\Starred"]),
        ];
        let f = resolve(&names);
        assert_eq!(find(&f, SpecialUse::All).unwrap().1, FoundBy::Attribute);
        assert_eq!(find(&f, SpecialUse::Junk).unwrap().0, "[Gmail]/Spam");
        assert_eq!(find(&f, SpecialUse::Flagged).unwrap().0, "[Gmail]/Starred");
        // "Spam" is Junk's name only; a mailbox found for one use is not another's.
        let f = resolve(&[name("Junk", &["\\Trash"])]);
        assert_eq!(find(&f, SpecialUse::Junk), None);
        assert_eq!(SpecialUse::Trash.to_string(), "\\Trash");
        for u in SpecialUse::EVERY {
            assert_eq!(SpecialUse::from_attribute(&u.attribute()), Some(u));
        }
    }
}
