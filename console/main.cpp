// pomelo-console: the operator console of Pomelo Pay (Qt Widgets), talking only to the admin API.
#include "api/adminclient.h"
#include "logindialog.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTimer>
#include <QTranslator>

using namespace pomelo;

namespace {

/// zh_CN unless English is asked for (setting, --lang) or the system locale is English.
QString chooseLanguage(const QString &option)
{
    QString language =
        option.isEmpty() ? QSettings().value(QStringLiteral("language")).toString() : option;
    if (language.isEmpty())
        language = QLocale::system().language() == QLocale::English ? QStringLiteral("en")
                                                                    : QStringLiteral("zh_CN");
    return language.startsWith(QLatin1String("en")) ? QStringLiteral("en")
                                                    : QStringLiteral("zh_CN");
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Pomelo"));
    QApplication::setApplicationName(QStringLiteral("pomelo-console"));
    QApplication::setApplicationDisplayName(QStringLiteral("Pomelo Pay"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Pomelo Pay operator console"));
    parser.addHelpOption();
    const QCommandLineOption serverOption(QStringLiteral("server"),
                                          QStringLiteral("Server URL (default: the last one)."),
                                          QStringLiteral("URL"));
    const QCommandLineOption userOption(QStringLiteral("user"), QStringLiteral("User name."),
                                        QStringLiteral("NAME"));
    const QCommandLineOption passwordEnvOption(
        QStringLiteral("password-env"),
        QStringLiteral("Log in at once with the password in environment variable VAR (never put "
                       "a password on the command line)."),
        QStringLiteral("VAR"));
    const QCommandLineOption viewOption(
        QStringLiteral("view"),
        QStringLiteral("View to open: dashboard, orders, venue-board, venues, topups, streams, "
                       "queues, locks, notifications, audit, payment-exceptions."),
        QStringLiteral("NAME"));
    const QCommandLineOption langOption(QStringLiteral("lang"),
                                        QStringLiteral("Language: zh_CN (default) or en."),
                                        QStringLiteral("LANG"));
    parser.addOptions({serverOption, userOption, passwordEnvOption, viewOption, langOption});
    parser.process(app);

    const QString language = chooseLanguage(parser.value(langOption));
    QTranslator qtTranslator;
    QTranslator translator;
    QLocale::setDefault(QLocale(language)); // dates and numbers of the chosen language
    if (language != QLatin1String("en")) {
        if (qtTranslator.load(QStringLiteral("qtbase_") + language,
                              QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QApplication::installTranslator(&qtTranslator);
    }
    if (translator.load(QStringLiteral(":/i18n/pomelo_console_") + language))
        QApplication::installTranslator(&translator);

    api::AdminClient client;
    client.setLanguage(language == QLatin1String("en") ? QStringLiteral("en")
                                                       : QStringLiteral("zh-CN"));
    console::MainWindow window(&client);
    console::LoginDialog login(&client);
    if (parser.isSet(serverOption))
        login.setServer(parser.value(serverOption));
    if (parser.isSet(userOption))
        login.setUser(parser.value(userOption));

    const QString view = parser.value(viewOption);
    QObject::connect(&login, &QDialog::accepted, &window, [&window, view] {
        window.show();
        if (!view.isEmpty())
            window.showView(view);
    });
    QObject::connect(&login, &QDialog::rejected, &app, &QApplication::quit);

    if (parser.isSet(passwordEnvOption)) {
        const QByteArray password =
            qgetenv(parser.value(passwordEnvOption).toLocal8Bit().constData());
        if (!password.isEmpty()) {
            login.setPassword(QString::fromUtf8(password));
            QTimer::singleShot(0, &login, &console::LoginDialog::submit);
        }
    }
    login.show();
    return QApplication::exec();
}
