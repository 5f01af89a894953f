//! NOTIFY (RFC 5465): the encoder of `NOTIFY SET` / `NOTIFY NONE` (sans-I/O; the types are
//! in `types/notify.rs`, the command in `extensions/notify.rs`). Its responses are the
//! ordinary STATUS, LIST (with `OLDNAME`, read by `wire/mailbox.rs`), EXISTS, EXPUNGE and
//! FETCH, and the `NOTIFICATIONOVERFLOW` / `BADEVENT` codes (`wire/values.rs`).

use crate::error::{Error, Result};
use crate::types::notify::{NotifyEvent, NotifyGroup, NotifyMailboxes, NotifySet};
use crate::wire::encode::Command;

/// `NOTIFY NONE`.
pub(crate) fn notify_none_command() -> Command {
    let mut cmd = Command::new("NOTIFY");
    cmd.raw("NONE");
    cmd
}

/// `NOTIFY SET [STATUS] (filter events) ...`, checked first against the rules of RFC 5465
/// section 5 that a server answers with BAD: at least one group; `MessageNew` and
/// `MessageExpunge` together; `FlagChange` / `AnnotationChange` only with both; FETCH items
/// on `MessageNew` only for the selected mailbox; mailbox events not for the selected
/// mailbox; at most one group for the selected mailbox; `SUBTREE` / `MAILBOXES` with at
/// least one name.
pub(crate) fn notify_set_command(set: &NotifySet) -> Result<Command> {
    if set.groups.is_empty() {
        return Err(Error::InvalidArgument(
            "NOTIFY SET needs at least one event group".into(),
        ));
    }
    let selected = set
        .groups
        .iter()
        .filter(|g| g.mailboxes.is_selected())
        .count();
    if selected > 1 {
        return Err(Error::InvalidArgument(
            "NOTIFY SET takes at most one group for the selected mailbox".into(),
        ));
    }
    for g in &set.groups {
        check_group(g)?;
    }
    let mut cmd = Command::new("NOTIFY");
    cmd.raw("SET");
    if set.status {
        cmd.raw("STATUS");
    }
    for g in &set.groups {
        group(&mut cmd, g)?;
    }
    Ok(cmd)
}

fn check_group(g: &NotifyGroup) -> Result<()> {
    let has = |name: &str| g.events.iter().any(|e| e.name() == name);
    let new = has("MessageNew");
    let expunge = has("MessageExpunge");
    let bad = |why: &str| Err(Error::InvalidArgument(format!("NOTIFY SET: {why}")));
    if new != expunge {
        return bad("MessageNew and MessageExpunge go together (RFC 5465 section 5)");
    }
    if (has("FlagChange") || has("AnnotationChange")) && !new {
        return bad("FlagChange and AnnotationChange need MessageNew and MessageExpunge");
    }
    if g.mailboxes.is_selected() {
        if let Some(e) = g.events.iter().find(|e| {
            !matches!(
                e,
                NotifyEvent::MessageNew(_)
                    | NotifyEvent::MessageExpunge
                    | NotifyEvent::FlagChange
                    | NotifyEvent::AnnotationChange
            )
        }) {
            return bad(&format!(
                "{} is a mailbox event: not for the selected mailbox",
                e.name()
            ));
        }
    } else if g
        .events
        .iter()
        .any(|e| matches!(e, NotifyEvent::MessageNew(Some(_))))
    {
        return bad("FETCH items on MessageNew are for the selected mailbox only");
    }
    if let NotifyMailboxes::Subtree(names) | NotifyMailboxes::Mailboxes(names) = &g.mailboxes {
        if names.is_empty() {
            return bad("SUBTREE and MAILBOXES need at least one mailbox");
        }
    }
    Ok(())
}

fn group(cmd: &mut Command, g: &NotifyGroup) -> Result<()> {
    cmd.open_list();
    match &g.mailboxes {
        NotifyMailboxes::Selected => {
            cmd.raw("SELECTED");
        }
        NotifyMailboxes::SelectedDelayed => {
            cmd.raw("SELECTED-DELAYED");
        }
        NotifyMailboxes::Inboxes => {
            cmd.raw("INBOXES");
        }
        NotifyMailboxes::Personal => {
            cmd.raw("PERSONAL");
        }
        NotifyMailboxes::Subscribed => {
            cmd.raw("SUBSCRIBED");
        }
        NotifyMailboxes::Subtree(names) | NotifyMailboxes::Mailboxes(names) => {
            cmd.raw(if matches!(g.mailboxes, NotifyMailboxes::Subtree(_)) {
                "SUBTREE"
            } else {
                "MAILBOXES"
            });
            cmd.open_list();
            for n in names {
                cmd.astring(n.wire(), "mailbox name")?;
            }
            cmd.close_list();
        }
    }
    if g.events.is_empty() {
        cmd.raw("NONE");
    } else {
        cmd.open_list();
        for e in &g.events {
            cmd.raw(e.name());
            if let NotifyEvent::MessageNew(Some(items)) = e {
                cmd.raw(&items.render(false)?);
            }
        }
        cmd.close_list();
    }
    cmd.close_list();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::FetchItems;
    use crate::wire::encode::segments_text;

    fn text(set: &NotifySet) -> String {
        segments_text(&notify_set_command(set).unwrap().into_segments())
    }

    #[test]
    fn encodes_groups() {
        let set = NotifySet::new()
            .status()
            .group(
                NotifyMailboxes::Selected,
                [
                    NotifyEvent::MessageNew(Some(FetchItems::new().uid().flags())),
                    NotifyEvent::MessageExpunge,
                ],
            )
            .group(
                NotifyMailboxes::Subtree(vec!["Lists".into(), "a b".into()]),
                [NotifyEvent::message_new(), NotifyEvent::MessageExpunge],
            )
            .group(NotifyMailboxes::Mailboxes(vec!["misc".into()]), []);
        assert_eq!(
            text(&set),
            "NOTIFY SET STATUS (SELECTED (MessageNew (UID FLAGS) MessageExpunge)) \
             (SUBTREE (Lists \"a b\") (MessageNew MessageExpunge)) (MAILBOXES (misc) NONE)"
        );
        assert_eq!(
            segments_text(&notify_none_command().into_segments()),
            "NOTIFY NONE"
        );
    }

    #[test]
    fn refuses_what_the_rfc_forbids() {
        let one = |m: NotifyMailboxes, e: Vec<NotifyEvent>| {
            notify_set_command(&NotifySet::new().group(m, e)).unwrap_err()
        };
        assert!(notify_set_command(&NotifySet::new()).is_err());
        one(NotifyMailboxes::Personal, vec![NotifyEvent::message_new()]);
        one(NotifyMailboxes::Personal, vec![NotifyEvent::FlagChange]);
        one(NotifyMailboxes::Selected, vec![NotifyEvent::MailboxName]);
        one(
            NotifyMailboxes::Mailboxes(vec![]),
            vec![NotifyEvent::MailboxName],
        );
        one(
            NotifyMailboxes::Personal,
            vec![
                NotifyEvent::MessageNew(Some(FetchItems::new().uid())),
                NotifyEvent::MessageExpunge,
            ],
        );
        let two = NotifySet::new()
            .group(NotifyMailboxes::Selected, NotifyEvent::messages())
            .group(NotifyMailboxes::SelectedDelayed, NotifyEvent::messages());
        assert!(notify_set_command(&two).is_err());
    }
}
