//! A user's personal tokens (list, create, revoke, with a personal token), and what the
//! operator key in use is (`GET /v1/operator/whoami`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rgrid_spec::access::{CreateTokenRequest, CreatedToken, OperatorView, TokenList, TokenView};

use super::auth::{AccountUser, Operator};
use super::{ApiError, ApiResult, AppState, JsonBody};
use crate::access::create_user_token;
use crate::store::TokenInfo;

#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list(
    State(state): State<AppState>,
    AccountUser(user): AccountUser,
) -> ApiResult<Json<TokenList>> {
    let tokens = state.store.list_user_tokens(user.id).await?;
    Ok(Json(TokenList {
        tokens: tokens.into_iter().map(token_view).collect(),
    }))
}

#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn create(
    State(state): State<AppState>,
    AccountUser(user): AccountUser,
    JsonBody(request): JsonBody<CreateTokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let name = request.name.trim();
    if name.is_empty() {
        return Err(ApiError::BadRequest {
            code: "invalid_request",
            message: "a token needs a name, e.g. \"laptop\"".into(),
            field: Some("name".into()),
        });
    }
    let (info, secret) = create_user_token(state.store.as_ref(), user.id, name).await?;
    tracing::info!(token_id = info.id, "personal token created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: token_view(info),
            secret,
        }),
    ))
}

#[tracing::instrument(skip_all, fields(user_id = %user.id, token_id))]
pub async fn revoke(
    State(state): State<AppState>,
    AccountUser(user): AccountUser,
    Path(token_id): Path<String>,
) -> ApiResult<Json<TokenView>> {
    // Not a number, or another user's number: either way no such token here.
    let token_id: i64 = token_id
        .parse()
        .map_err(|_| ApiError::NotFound("personal token"))?;
    tracing::Span::current().record("token_id", token_id);
    let info = state.store.revoke_user_token(user.id, token_id).await?;
    tracing::info!("personal token revoked");
    Ok(Json(token_view(info)))
}

pub async fn operator_whoami(Operator(key): Operator) -> Json<OperatorView> {
    Json(OperatorView {
        key_id: key.id,
        name: key.name,
    })
}

pub fn token_view(info: TokenInfo) -> TokenView {
    TokenView {
        id: info.id,
        name: info.name,
        prefix: info.prefix,
        created_at: info.created_at,
        last_used_at: info.last_used_at,
        revoked_at: info.revoked_at,
    }
}
