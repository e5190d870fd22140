//! Which token an API call carries, decided in one place for both clients.

use super::Error;
use crate::engine::RequestKind;
use crate::oauth2::Token;

/// How an API call authenticates.
#[derive(Debug)]
pub(crate) enum ApiCredential {
    /// No token or signature (`withhold_token`).
    Withheld,
    /// This token (signed with, for OAuth 1; carried, for OAuth 2).
    Token(Token),
}

impl ApiCredential {
    /// What the engine's hooks and spans call the request.
    pub(crate) fn kind(&self) -> RequestKind {
        match self {
            Self::Withheld => RequestKind::Withheld,
            Self::Token(_) => RequestKind::Protected,
        }
    }
}

/// The token an API call carries: none when it is withheld (even if one was given), else the
/// request's own (Authlib's `token=`), else the client's held one; with neither,
/// [`Error::MissingToken`]. `held` is read only when needed.
pub(crate) fn api_credential(
    withhold_token: bool,
    given: Option<Token>,
    held: impl FnOnce() -> Option<Token>,
) -> Result<ApiCredential, Error> {
    if withhold_token {
        return Ok(ApiCredential::Withheld);
    }
    given
        .or_else(held)
        .map(ApiCredential::Token)
        .ok_or(Error::MissingToken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_withheld_then_given_then_held_then_missing() {
        let given = || Some(Token::bearer("given"));
        let held = || Some(Token::bearer("held"));
        let none = || None;
        // (withhold, given, held, expected access token; "" for withheld)
        let table: [(bool, Option<Token>, Option<Token>, Option<&str>); 8] = [
            (true, given(), held(), Some("")),
            (true, given(), none(), Some("")),
            (true, none(), held(), Some("")),
            (true, none(), none(), Some("")),
            (false, given(), held(), Some("given")),
            (false, given(), none(), Some("given")),
            (false, none(), held(), Some("held")),
            (false, none(), none(), None),
        ];
        for (withhold, given, held, expected) in table {
            let row = format!(
                "withhold={withhold} given={} held={}",
                given.is_some(),
                held.is_some()
            );
            match (api_credential(withhold, given, || held), expected) {
                (Ok(ApiCredential::Withheld), Some("")) => {}
                (Ok(ApiCredential::Token(token)), Some(want)) => {
                    assert_eq!(token.access_token(), want, "{row}");
                }
                (Err(Error::MissingToken), None) => {}
                (other, _) => panic!("{row}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_held_token_is_not_read_when_not_needed() {
        let read = std::cell::Cell::new(0);
        let held = || {
            read.set(read.get() + 1);
            Some(Token::bearer("held"))
        };
        assert!(api_credential(true, None, held).is_ok());
        assert!(api_credential(false, Some(Token::bearer("given")), held).is_ok());
        assert_eq!(read.get(), 0);
        assert!(api_credential(false, None, held).is_ok());
        assert_eq!(read.get(), 1);
    }

    #[test]
    fn kind_follows_the_credential() {
        assert_eq!(ApiCredential::Withheld.kind(), RequestKind::Withheld);
        assert_eq!(
            ApiCredential::Token(Token::bearer("t")).kind(),
            RequestKind::Protected
        );
    }
}
