#pragma once

#include "domain/errors.h"
#include "httptypes.h"

namespace pomelo {

/// The one place where a typed domain error becomes the error envelope of API.md:
/// `{"code", "message", "traceId"}` with the catalog's HTTP status and message in the language
/// the client asked for. Nothing else of the error (its detail) reaches the client.
HttpResponse errorResponse(ErrorCode code, const HttpRequest &request);
/// The same, with the error's message arguments in the message (Error::messageArgs()).
HttpResponse errorResponse(const Error &error, const HttpRequest &request);

/// Language of @p request from its Accept-Language header.
Language requestLanguage(const HttpRequest &request);

} // namespace pomelo
