#pragma once

#include "database.h"
#include "secretbox.h"

namespace pomelo {

/// Does this instance's secret key open the database's sealed secrets? (Table `secret_check`,
/// migration 0004.) Every instance that shares a database needs the same `<data_dir>/secret.key`;
/// one with another key would start, answer /readyz, and then fail every sign. So a random value
/// is sealed with the key of the first start, and every start opens it.
class SecretCheck
{
public:
    enum class Result {
        Created, ///< the database had no check value: this key's is stored now
        Matches, ///< the stored value opens with this key
        Mismatch, ///< it does not (or an app secret of an older database does not)
    };

    /// Opens the stored check value, or stores one sealed with @p box when there is none. A
    /// database from before the check (apps already sealed) gets one only if every app secret
    /// opens with @p box. Safe when instances start at once (one value wins, the others compare
    /// with it). Throws Error(DependencyUnavailable) when the database cannot be reached.
    static Result verify(Database &db, const SecretBox &box, qint64 now = 0);
};

} // namespace pomelo
