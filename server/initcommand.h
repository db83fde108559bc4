#pragma once

namespace pomelo {

class Config;

/// `pomelo-server init [--show-secret]`: prepares an empty database for production. Migrates,
/// stores the secret key check (every instance needs the same `<data_dir>/secret.key`), creates
/// the booking app `booking.app_id` (internal, notified at `<public_base_url>/api/v1/pay-notify`;
/// its secret is sealed and printed only with @p showSecret) and the first console admin
/// (`admin.initial_password`, or a generated password printed once), then prints what is left to
/// configure. Idempotent: a second run changes nothing and says "already initialised: …".
/// Returns the exit code: 0, or 2 with a message on stderr (configuration, a secret key that
/// does not open the database's secrets, a database that cannot be reached).
int runInitCommand(const Config &config, bool showSecret);

} // namespace pomelo
