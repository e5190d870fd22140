//! Which token an API call carries, decided in one place for both clients.

use super::ClientError;
use crate::oauth2::Token;
use crate::wire::RequestKind;

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
/// [`ClientError::MissingToken`]. `held` is read only when needed.
pub(crate) fn api_credential(
    withhold_token: bool,
    given: Option<Token>,
    held: impl FnOnce() -> Option<Token>,
) -> Result<ApiCredential, ClientError> {
    if withhold_token {
        return Ok(ApiCredential::Withheld);
    }
    given
        .or_else(held)
        .map(ApiCredential::Token)
        .ok_or(ClientError::MissingToken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_withheld_then_given_then_held_then_missing() {
        // (withhold, given, held, expected): `Some("")` is withheld, `None` MissingToken.
        let table = [
            (true, Some("given"), Some("held"), Some("")),
            (true, Some("given"), None, Some("")),
            (true, None, Some("held"), Some("")),
            (true, None, None, Some("")),
            (false, Some("given"), Some("held"), Some("given")),
            (false, Some("given"), None, Some("given")),
            (false, None, Some("held"), Some("held")),
            (false, None, None, None),
        ];
        for (withhold, given, held, expected) in table {
            let row = format!("withhold={withhold} given={given:?} held={held:?}");
            let credential = api_credential(withhold, given.map(Token::bearer), || {
                held.map(Token::bearer)
            });
            match (credential, expected) {
                (Ok(ApiCredential::Withheld), Some("")) => {}
                (Ok(ApiCredential::Token(token)), Some(want)) => {
                    assert_eq!(token.access_token(), want, "{row}");
                }
                (Err(ClientError::MissingToken), None) => {}
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
