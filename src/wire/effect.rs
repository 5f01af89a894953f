//! What a command does if it runs again after the connection broke before its completion
//! was read: the library's own judgement for `Session::retrying`, by the command it sends
//! (sans-I/O: a function of the command's name).

/// How safe a command is to run a second time on a new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Reads, and changes that leave the same result however often they run: FETCH and
    /// SEARCH (a sequence-number read returns what it read, numbers included), UID STORE
    /// (flags set, added or removed by UID), UID EXPUNGE of a known set, UID MOVE (atomic,
    /// RFC 6851: a message moved is no longer there to move), SELECT, STATUS, LIST, mailbox
    /// management (a second CREATE or RENAME at worst answers NO).
    Repeatable,
    /// APPEND: a second run may add the message twice; safe only once the library has shown
    /// that the first did not land (or has its result).
    Append,
    /// UID COPY: a second run may copy twice; safe on the same terms as APPEND.
    UidCopy,
    /// Never repeated: STORE, COPY, MOVE and EXPUNGE by sequence numbers (numbers shift
    /// when messages go: a second run may hit other messages), EXPUNGE and CLOSE (remove
    /// every `\Deleted` message, whoever marked it since), and any command this list does
    /// not know.
    Once,
}

/// The judgement for a command whose first words are `name` (`UID STORE`, `APPEND`...).
pub(crate) fn effect(name: &str) -> Effect {
    match name {
        "CAPABILITY" | "NOOP" | "IDLE" | "SELECT" | "EXAMINE" | "STATUS" | "LIST" | "LSUB"
        | "NAMESPACE" | "CHECK" | "ENABLE" | "ID" | "UNSELECT" | "COMPRESS" | "LOGOUT"
        | "FETCH" | "UID FETCH" | "SEARCH" | "UID SEARCH" | "SORT" | "UID SORT" | "THREAD"
        | "UID THREAD" | "UID STORE" | "UID EXPUNGE" | "UID MOVE" | "CREATE" | "DELETE"
        | "RENAME" | "SUBSCRIBE" | "UNSUBSCRIBE" | "GETQUOTA" | "GETQUOTAROOT" | "SETQUOTA"
        | "GETMETADATA" | "SETMETADATA" | "GETACL" | "SETACL" | "DELETEACL" | "MYRIGHTS"
        | "LISTRIGHTS" => Effect::Repeatable,
        "APPEND" => Effect::Append,
        "UID COPY" => Effect::UidCopy,
        _ => Effect::Once,
    }
}

/// Is `name` a command of the selected state (RFC 9051 section 6.4, RFC 3501 section 6.4,
/// and the extensions that add to it: MOVE, SORT/THREAD, UNSELECT, UID EXPUNGE)? The client
/// refuses to send one while no mailbox is selected: the server would only answer BAD or NO
/// ("No mailbox selected"), in words that do not say which call was missing.
pub(crate) fn needs_selected(name: &str) -> bool {
    let name = name.strip_prefix("UID ").unwrap_or(name);
    matches!(
        name,
        "CHECK"
            | "CLOSE"
            | "UNSELECT"
            | "EXPUNGE"
            | "SEARCH"
            | "FETCH"
            | "STORE"
            | "COPY"
            | "MOVE"
            | "SORT"
            | "THREAD"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selected_state_commands_are_known() {
        for name in [
            "FETCH",
            "UID FETCH",
            "STORE",
            "UID STORE",
            "SEARCH",
            "UID SEARCH",
            "EXPUNGE",
            "UID EXPUNGE",
            "COPY",
            "UID COPY",
            "MOVE",
            "UID MOVE",
            "SORT",
            "UID THREAD",
            "CLOSE",
            "UNSELECT",
            "CHECK",
        ] {
            assert!(needs_selected(name), "{name}");
        }
        for name in [
            "SELECT", "EXAMINE", "STATUS", "LIST", "APPEND", "IDLE", "NOOP", "CREATE", "ENABLE",
            "NOTIFY", "UID", "",
        ] {
            assert!(!needs_selected(name), "{name}");
        }
    }

    #[test]
    fn sequence_numbers_that_change_anything_are_never_repeated() {
        for once in [
            "STORE",
            "COPY",
            "MOVE",
            "EXPUNGE",
            "CLOSE",
            "XAPPLEPUSHSERVICE",
            "",
        ] {
            assert_eq!(effect(once), Effect::Once, "{once}");
        }
        for again in [
            "UID STORE",
            "UID EXPUNGE",
            "UID MOVE",
            "UID FETCH",
            "FETCH",
            "SELECT",
        ] {
            assert_eq!(effect(again), Effect::Repeatable, "{again}");
        }
        assert_eq!(effect("APPEND"), Effect::Append);
        assert_eq!(effect("UID COPY"), Effect::UidCopy);
    }
}
