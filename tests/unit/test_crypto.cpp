// Tests of shared/domain/crypto.*. Every expected value comes from an independent implementation:
// the `openssl` 3.0 command line, Python's `cryptography` 48 package, or a published test vector;
// the comment above each names the command or source.

#include "domain/crypto.h"
#include "domain/errors.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTest>

#include <atomic>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

using namespace pomelo;
using namespace pomelo::crypto;

namespace {

QByteArray hex(const char *text)
{
    return QByteArray::fromHex(QByteArray(text));
}

std::optional<ErrorCode> thrownCode(const std::function<void()> &f)
{
    try {
        f();
    } catch (const Error &e) {
        return e.code();
    }
    return std::nullopt;
}

// clang-format off
/* A throw-away 2048-bit test key, used nowhere but in this file. Produced by:
     openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem   (PrivateKeyPkcs8)
     openssl rsa -in key.pem -traditional -out key_pkcs1.pem                     (PrivateKeyPkcs1)
     openssl pkey -in key.pem -pubout -out pub.pem                               (PublicKeySpki)
     openssl rsa -pubin -in pub.pem -RSAPublicKey_out -out pub_pkcs1.pem         (PublicKeyPkcs1)
     openssl req -new -x509 -key key.pem -subj "/CN=Pomelo Test Platform" -days 36500 \
         -set_serial 0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1 -out cert.pem    (Certificate)
   Keys that must be refused:
     openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out small.pem (Rsa1024PrivateKey)
     openssl pkey -in small.pem -pubout                                          (Rsa1024PublicKey)
     openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256              (EcPrivateKey)
     openssl pkey -in key.pem -aes256 -passout pass:x                            (EncryptedPrivateKey)
*/
// clang-format on
const char PrivateKeyPkcs8[] = R"(-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDKD+Aice2kuviz
UX7+n1UqDv+o2U7OsCgODeTCtP86h+9pW0nFHRssGzPe9YY7KlUDTlTnURAOik4N
eXSf2PkYhF7h3CYdqfgPYsqdUsC34iSVQ/1swhg7AeU/yvmgf4WOEkj37NdfnS5o
vUf6bIO1krEVenpW62q7grnrGGmzWhCrlUHk/t+Yibn45lSOY3vB6PaFa+oQJz5i
O6+tK4DdEzX7vlNJk5VTaGVWdFdK6VsWpdWwXyOvA65X3uTL3VZm+9iH2LsQ7/Vx
dK2WUkck1JtvSWkvPiQ5T1D+RkY+D3PS1xWZjBvqS+9uWxHwPcOrgB3rmvbnHZ56
szNO1EYZAgMBAAECggEAGBr8fdN6Wqd5DbhsVm82619yccfp6key4ZlX9//8flSy
865RrsemAxUkMyY2iyal0XEF+ToPGLL4dIxPpNWvQtTg1mBLdki9iIVcP1g82DsM
6vc7W58MobZ8TUfXT6XC7rPg+13IhFY1sAZbuMT7Ef1j7Zho0aeAWkoSSLkG/B+t
LdzMFoVNluJqdmgk+Eesi0xVSQu9Xs7KA2iglDKSfQ1+DPaFiUCGTwOLpDkizXXW
DIQiP0bwbzZRm4tDpOUlkcNuHsSk1iDtG1FYwF4+WM6sBy6AjyT5xNOxJ+o/BYd1
M+IZ//Sh9J4yBgRwJaXdpEJUPOw+Y75aUAxpc3N4MQKBgQD3ZrqyCzlRInS9DKCC
ibXkR2KTwHgMytzKUfO5WwlG02lJOldIl1pEWHwBz0wIho/V9bIeXCq7KVpoStim
rNNYtU78uzJZZ30XUT2mYJH2ov1TeM0Nx4b7VbCKBVVs2s6xrNLAPmOoPHyn/h7y
JrBoRdutvQmtGBFhHiA6VUg6EQKBgQDRFbyfsjzWRgwaaPn6fdcaklyvNFxyAYLL
UXbngY/Gnxa7Vbxe/Th5rMHoSAHBb2vNhV62fie4s5u3MSHbBKinfvbEry0kQUuy
6sRawHLAKyspqePMOtwokn/yIPf9Quc2yzazXl7nJgBn5o3nT3Oiw+x7XzROrxHv
aTryM48DiQKBgCW4O+65V1vPbQ0Fx9MfO+Q6HgV46tTIeTE/nXE9OATcZskLZBNl
QBX7h6ye9nC2U2fDtgx68OjoPSh5gN6oqvBzdD+EKwEGjkPn1wZu4tI/t2/qkxju
ut3HCsuAVK3sDmd4egllebxEvJzAWeeBjpPXUs8Ca19AtCWiejdqmUCBAoGBAIZN
sSDfi8aTrhiUz+YASVivJUwBlVRB9jMFvBwPFDygWiixdNOLUmiN+OxsvHv1R0j3
35PXy0oQTPjKXZXjEzasDnTelV+Rdb+Sn9gvgEZCNHKJx2KbeGmzWO4+ES2keQKw
XA2xk8JknaQf64zmcz/dHB1PVTkpqZqgfJWxWq8JAoGBAIPe8T/pyLDe5MQQas/M
U0lcV+pUDuHKy1A/i27M4G8Qk8zwwQn9Kzlbm7BOd2cTADJgUpeSev1uL7e98fqi
LJSVDYYgar5/7Nad6GOBpwbpk5FqxFXrvstn5cQx2qekbhH9QMw4JHdDArx0siaS
CqEgcnToxWBOuNiEIVDKiiLx
-----END PRIVATE KEY-----
)";

const char PrivateKeyPkcs1[] = R"(-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAyg/gInHtpLr4s1F+/p9VKg7/qNlOzrAoDg3kwrT/OofvaVtJ
xR0bLBsz3vWGOypVA05U51EQDopODXl0n9j5GIRe4dwmHan4D2LKnVLAt+IklUP9
bMIYOwHlP8r5oH+FjhJI9+zXX50uaL1H+myDtZKxFXp6Vutqu4K56xhps1oQq5VB
5P7fmIm5+OZUjmN7wej2hWvqECc+YjuvrSuA3RM1+75TSZOVU2hlVnRXSulbFqXV
sF8jrwOuV97ky91WZvvYh9i7EO/1cXStllJHJNSbb0lpLz4kOU9Q/kZGPg9z0tcV
mYwb6kvvblsR8D3Dq4Ad65r25x2eerMzTtRGGQIDAQABAoIBABga/H3TelqneQ24
bFZvNutfcnHH6epHsuGZV/f//H5UsvOuUa7HpgMVJDMmNosmpdFxBfk6Dxiy+HSM
T6TVr0LU4NZgS3ZIvYiFXD9YPNg7DOr3O1ufDKG2fE1H10+lwu6z4PtdyIRWNbAG
W7jE+xH9Y+2YaNGngFpKEki5BvwfrS3czBaFTZbianZoJPhHrItMVUkLvV7OygNo
oJQykn0Nfgz2hYlAhk8Di6Q5Is111gyEIj9G8G82UZuLQ6TlJZHDbh7EpNYg7RtR
WMBePljOrAcugI8k+cTTsSfqPwWHdTPiGf/0ofSeMgYEcCWl3aRCVDzsPmO+WlAM
aXNzeDECgYEA92a6sgs5USJ0vQyggom15Edik8B4DMrcylHzuVsJRtNpSTpXSJda
RFh8Ac9MCIaP1fWyHlwquylaaErYpqzTWLVO/LsyWWd9F1E9pmCR9qL9U3jNDceG
+1WwigVVbNrOsazSwD5jqDx8p/4e8iawaEXbrb0JrRgRYR4gOlVIOhECgYEA0RW8
n7I81kYMGmj5+n3XGpJcrzRccgGCy1F254GPxp8Wu1W8Xv04eazB6EgBwW9rzYVe
tn4nuLObtzEh2wSop372xK8tJEFLsurEWsBywCsrKanjzDrcKJJ/8iD3/ULnNss2
s15e5yYAZ+aN509zosPse180Tq8R72k68jOPA4kCgYAluDvuuVdbz20NBcfTHzvk
Oh4FeOrUyHkxP51xPTgE3GbJC2QTZUAV+4esnvZwtlNnw7YMevDo6D0oeYDeqKrw
c3Q/hCsBBo5D59cGbuLSP7dv6pMY7rrdxwrLgFSt7A5neHoJZXm8RLycwFnngY6T
11LPAmtfQLQlono3aplAgQKBgQCGTbEg34vGk64YlM/mAElYryVMAZVUQfYzBbwc
DxQ8oFoosXTTi1JojfjsbLx79UdI99+T18tKEEz4yl2V4xM2rA503pVfkXW/kp/Y
L4BGQjRyicdim3hps1juPhEtpHkCsFwNsZPCZJ2kH+uM5nM/3RwdT1U5KamaoHyV
sVqvCQKBgQCD3vE/6ciw3uTEEGrPzFNJXFfqVA7hystQP4tuzOBvEJPM8MEJ/Ss5
W5uwTndnEwAyYFKXknr9bi+3vfH6oiyUlQ2GIGq+f+zWnehjgacG6ZORasRV677L
Z+XEMdqnpG4R/UDMOCR3QwK8dLImkgqhIHJ06MVgTrjYhCFQyooi8Q==
-----END RSA PRIVATE KEY-----
)";

const char PublicKeySpki[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyg/gInHtpLr4s1F+/p9V
Kg7/qNlOzrAoDg3kwrT/OofvaVtJxR0bLBsz3vWGOypVA05U51EQDopODXl0n9j5
GIRe4dwmHan4D2LKnVLAt+IklUP9bMIYOwHlP8r5oH+FjhJI9+zXX50uaL1H+myD
tZKxFXp6Vutqu4K56xhps1oQq5VB5P7fmIm5+OZUjmN7wej2hWvqECc+YjuvrSuA
3RM1+75TSZOVU2hlVnRXSulbFqXVsF8jrwOuV97ky91WZvvYh9i7EO/1cXStllJH
JNSbb0lpLz4kOU9Q/kZGPg9z0tcVmYwb6kvvblsR8D3Dq4Ad65r25x2eerMzTtRG
GQIDAQAB
-----END PUBLIC KEY-----
)";

const char PublicKeyPkcs1[] = R"(-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAyg/gInHtpLr4s1F+/p9VKg7/qNlOzrAoDg3kwrT/OofvaVtJxR0b
LBsz3vWGOypVA05U51EQDopODXl0n9j5GIRe4dwmHan4D2LKnVLAt+IklUP9bMIY
OwHlP8r5oH+FjhJI9+zXX50uaL1H+myDtZKxFXp6Vutqu4K56xhps1oQq5VB5P7f
mIm5+OZUjmN7wej2hWvqECc+YjuvrSuA3RM1+75TSZOVU2hlVnRXSulbFqXVsF8j
rwOuV97ky91WZvvYh9i7EO/1cXStllJHJNSbb0lpLz4kOU9Q/kZGPg9z0tcVmYwb
6kvvblsR8D3Dq4Ad65r25x2eerMzTtRGGQIDAQAB
-----END RSA PUBLIC KEY-----
)";

const char Certificate[] = R"(-----BEGIN CERTIFICATE-----
MIIDITCCAgmgAwIBAgIUUVfwnv3Alt4V6+gaRwV6cjLxuOEwDQYJKoZIhvcNAQEL
BQAwHzEdMBsGA1UEAwwUUG9tZWxvIFRlc3QgUGxhdGZvcm0wIBcNMjYxMTI3MDg0
NzU5WhgPMjEyNjExMDMwODQ3NTlaMB8xHTAbBgNVBAMMFFBvbWVsbyBUZXN0IFBs
YXRmb3JtMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyg/gInHtpLr4
s1F+/p9VKg7/qNlOzrAoDg3kwrT/OofvaVtJxR0bLBsz3vWGOypVA05U51EQDopO
DXl0n9j5GIRe4dwmHan4D2LKnVLAt+IklUP9bMIYOwHlP8r5oH+FjhJI9+zXX50u
aL1H+myDtZKxFXp6Vutqu4K56xhps1oQq5VB5P7fmIm5+OZUjmN7wej2hWvqECc+
YjuvrSuA3RM1+75TSZOVU2hlVnRXSulbFqXVsF8jrwOuV97ky91WZvvYh9i7EO/1
cXStllJHJNSbb0lpLz4kOU9Q/kZGPg9z0tcVmYwb6kvvblsR8D3Dq4Ad65r25x2e
erMzTtRGGQIDAQABo1MwUTAdBgNVHQ4EFgQUBe/D7aqAOhFX69ZAEfKCxAE02YEw
HwYDVR0jBBgwFoAUBe/D7aqAOhFX69ZAEfKCxAE02YEwDwYDVR0TAQH/BAUwAwEB
/zANBgkqhkiG9w0BAQsFAAOCAQEAqj12bXXeV/iD5XFsjT98PEM1dVw5Wsh2fxWU
KO0Zn4pMgLhqzgSE6uV+7eI06G8YIcPcKA6NXQ68g6Sbfi9B3IPPwxtTB9R22tdA
j6XYua+Fq3ikq+lLcbS/p1NEENN/09QnBbrE84LixR2Vvw3LMPzhi5H5Uyhw/gL0
5ZHoDvkgxxW5vgsrTaQGRwG+2CnLHvlf5lH1tKhcEB6mMgFpXoU1t5yKHutnEq2Y
XmLXltM3WBY2hhANXlygs1IcsIm03vNtZnFNIjVwpBA72WddBWHqG6nr/DHUzzte
DkO1yC+t7O/scEnymhrsoq/8zOZEmTdNLY4VdbPy2kV50GkV8g==
-----END CERTIFICATE-----
)";

const char Rsa1024PrivateKey[] = R"(-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALpmFxUNx20nXCEQ
rdfpDdhYEiTsWn+M2BRKJvEnY7foQNXZP8WuA2lrUWxsowhpm8ESZ2NPwPRO7rIm
eFMcZcK5HYZfPoEAtq0JUa43MbsS9FdEi5SouxmkUH5JXK32RWW6MR+YZ4eyAnSq
EawV1UTgiiVmIcUTO4MuGDLoajnFAgMBAAECgYAQUePvefdd/TY5xuYRo1wM9xkP
looN5Nz+WcezEYnPjkwu7QiCXEv8LONCJPjZQbXbX6shrNfuDAMmIewjCrd2ALg6
EjPuAC8v1xP9l9Cw5WByEIwlX3mJRct8o88TjeuZyc0g8b837WTXM9bSrg0iTpt2
65fzwqO1VKF9o562wQJBAOsdPQn2V/QHRmFOoSK7mvWohnG3DKBmiUrKoPZbLBPv
N6ErBZpXI7s8tg70YeBa0/ROwGBdq43wAi1g4gn7IB0CQQDK9QIb0WL0XJhBlXJ0
Gl2XNpqd6FgLO/4K94YWyds/cN9sgH3NKKztMMsoL3g2YP6hjpPo/sCfGySLswVU
vJ/JAkEApUE31fjAeVVjsqGBwNf8Yw7A8Myoo1VuypMB8CbFJH3PrAiBN6poAwL5
NCmxYfB1ahKwRQuRuYIpBZxDRKCuQQJAZFvpMgZFL16GL5AN65mKBBcNN95Hgy6k
PZoOZUBluSZAZO/YxVVCxXsmSnXGtOUbpJnTTBiE+Wg7lxTsIu2u+QJATl5HiJWD
dGZczwQq+KN3UB/aAa2+TUmExxgp9mabN2rrpiLUJqpWmozW1xU99uv7GIlU0/qb
/OxOtcoFd7QHHQ==
-----END PRIVATE KEY-----
)";

const char Rsa1024PublicKey[] = R"(-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC6ZhcVDcdtJ1whEK3X6Q3YWBIk
7Fp/jNgUSibxJ2O36EDV2T/FrgNpa1FsbKMIaZvBEmdjT8D0Tu6yJnhTHGXCuR2G
Xz6BALatCVGuNzG7EvRXRIuUqLsZpFB+SVyt9kVlujEfmGeHsgJ0qhGsFdVE4Iol
ZiHFEzuDLhgy6Go5xQIDAQAB
-----END PUBLIC KEY-----
)";

const char EcPrivateKey[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgw49S04ZYKfN3ZwtC
fbPftdBG5JFV3g+QQWHbLKFx4yShRANCAASNaZ4W2obVZE4+GogCHpD0fhivF3uo
1B4zXpcVNCnIDHw3Gm04JMIABxohyr3Md5DRTBF67ybLCjHyhF8b9k0p
-----END PRIVATE KEY-----
)";

const char EncryptedPrivateKey[] = R"(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIIFLTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI+kWVRfgaoM0CAggA
MAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAEqBBAqVKr/gxEsPoQpKwh+mvMBBIIE
0GxxlYcsqr7Oq9pGh4srm/Se4/r1WAPYDFTfJddSzf8L+OoUGDTdcZsqk3t/U0ti
kvPviLAq6vQQ06PEa7od90ZEvGri69EXVGZW532ClAV/VPy/UEzIS7FSw6BGlRuP
BroeDH7tIXQXqMqgiT1lyMEaIWIZpxew62lQd1/E+JxPqPt0fFuUvKj8VoXC2C+8
nOPqUnkCD1iAXzCwr6hX09+NGl12DKJokDpHGg7wQtjyTRN36zHE3hp9d7Sc59ya
AILB3CBQ9QGNHosNCcYb6rEgT9DpruS6U6msz3AMhAsulrX/8MB5Tgb7X1iwolCa
JZQ08gcWM9Aykt4ZNMnSmNmurxhlYjNldMzc7CyQPxhaHmGWKA06fN3JYHS2056T
qgfo8a058LFFvSr7h7+3Qy7lxg4hv2svSqscFmXwbcgztXc0gx3JQbtFNLj3cDn8
L37Po1XP1uqCW8V7hweGDgSjVmOBrYzNHp5X2+LCyysxhbPg1RX4mwbqkCWVFuRd
K5Wvp4tfHu34ut4iJiDtIKC4meEWwTGvbPFbNEaAi+4C0AU3AJinBcxdatHKKa8G
ji2vbHcx5Q1dHS/oyon2Fgix6VEEUQpLuqHhMQYgDP+58b5yzbVMSAO3spA9HWWV
81qE1ujXX4g+uDk4tABlb5T46wxJ5bvTE2+UrDth0RUPVxsfUqIkNp0iCvVuoX6M
V7pkMXxWedQVSIFJGdyPMt8dBbBzLOM8fqlOR0B4hef9Xbid64qIZ34Ui0qW8X5o
lpjusNbhDHrz8E9qm/7LubO0WRvxlu/I2WrzaDG95uvMG8ky8lzg9Vc/QzYkkZpZ
WTkNMEzmi2+PIJC54Rt1YJrJvueK4WkHv6p2CXv3CfUmo3gJhSFnT4HAcgjrdWPt
i1pro6sGVTjUcKVoS5GUbRt1l0KCwlqvuxfG2uGnojQtct10ZNcDpzL2hC5AxhDI
HwtQnTHwW+zUIy4MQTRStEWitcWfxzND+miBrkheUVvoWzwCgjKWdyDuBs4MzD1/
MSfe45Hpv/7A8E42XtlwAd/swqpXdtRyfs1/0pJ9S6zpygEhvcG90AIe0oYo/L88
oJrmKkGuQbZBbj7fgmKGsv/vJIJZV3aPp4UZdYrCLBaaFf2CWEHNxd0QPj6wtHMT
3MT28VV38uRZyQtEC4D0u+sE3y6yhxHllfkRhnxpgMmcVRGgMRlGFoiRcROI1hJA
BSXsE4FCQD+q9sCn93Hz4OW+zGR+23DvciZndub437TmSrsgoKxMlv5mQwoyLHSW
pRmZ5gw+Br7aLbpBR1dpXU9VugjWMog6ZgScNBCfj/0DSGHcBAkbywFpMbmZk8ME
fDNGNcXUaAeamBTt7GSVm4xSIGM8RUxDT6EDCwp/l/4bsiP5Xw0qytytJ1AZihYi
CnOCGf/XmEZD0+OVY8lZJteuqlcGyholqOHGkHoZ+YIzLZPYi6T0rZlJ5MVOiDKd
dwdAIirY3lSJC+RgBWDUHLsi2fEhUryJWZ76MH8CLwZYbjdTUSAg42VoYX8V5s4C
bJOjj8JcXHwe3f/poyZunWc6HkrQDxQfCd9NfTbbotCDBF7LCRMAmYZ5fCG5YjvA
ljxHnF75ShPBmkwjX1yXMBEfpjvlel47LL9JwohqxQcu
-----END ENCRYPTED PRIVATE KEY-----
)";

// The WeChat Pay APIv3 signing message of its documentation example (GET /v3/certificates).
const char WechatMessage[] =
    "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n";
// printf 'GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n' > msg.txt
// openssl dgst -sha256 -sign key.pem msg.txt | base64 -w0   (same output with key_pkcs1.pem)
const char WechatSignatureBase64[] =
    "f4rrIJ/UtiE7JORDzJrLwU9sTlCn1MpQ2VxQLHO1NvuhX2dndsrxNSdwDTSMZdlHUzGeyfcMou9Hm7mK8eqNOweNgv9y"
    "Tm8BsLMw5Y0ruMpLQ+ocFEZoQyGuinWNOuhYH9aDpYNPTuxNsAjts2AaIstfJ25/jWdpQtwKd2Ra9/ahocwuxPQ9tX74"
    "aJvi2KbX8pJr3fyRWSqKyBNWrwRXiMbzCXGBm7xfvyuP7w3duagh5TWwQm6TzOeRaO9AJjrpBTmA70rlPW3Q88h6N9Pg"
    "OVt4urVHc66TKiQb6dA0X2LaSba3Mzp0T71XtYXlHkLdaMBldin0/lUqooinSVndTw==";

QByteArray wechatSignature()
{
    return QByteArray::fromBase64(QByteArray(WechatSignatureBase64));
}

} // namespace

class TestCrypto : public QObject
{
    Q_OBJECT

private slots:
    void sha256Vectors_data();
    void sha256Vectors();
    void hmacVectors_data();
    void hmacVectors();
    void hmacFromManyThreads();
    void constantTimeEquals_data();
    void constantTimeEquals();
    void randomBytes_data();
    void randomBytes();
    void randomBytesNegativeThrows();
    void randomTokenIsBase64Url();

    void rsaPrivateKeyFormats_data();
    void rsaPrivateKeyFormats();
    void rsaPublicKeyFormats_data();
    void rsaPublicKeyFormats();
    void rsaVerifyRejects_data();
    void rsaVerifyRejects();
    void rsaRefusedKeys_data();
    void rsaRefusedKeys();
    void rsaPublicKeyOfPrivateKey();
    void rsaGeneratedKeyPair();
    void rsaGenerateRefusesSmallKeys();
    void certificateSerial();
    void selfSignedCertificate();
    void selfSignedCertificateRejectsBadSerial_data();
    void selfSignedCertificateRejectsBadSerial();

    void aesGcmVectors_data();
    void aesGcmVectors();
    void aesGcmRejects_data();
    void aesGcmRejects();
    void aesGcmRoundTripEmpty();
    void aesGcmEncryptRejectsBadParameters();

    void pbkdf2Vector();
    void verifyPassword_data();
    void verifyPassword();
    void hashPasswordRoundTrip();
    void verifyArgon2id_data();
    void verifyArgon2id();
    void hashPasswordPbkdf2RoundTrip();
    void hashPasswordRejectsIterations();
    void passwordNeedsRehash();
    void passwordHashTimes();
};

// ---- hashes and MACs ----------------------------------------------------------------------------

void TestCrypto::sha256Vectors_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("digest");
    // printf '' | openssl dgst -sha256
    QTest::newRow("empty")
        << QByteArray() << hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // printf '%s' 'abc' | openssl dgst -sha256
    QTest::newRow("abc") << QByteArray("abc")
                         << hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

void TestCrypto::sha256Vectors()
{
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, digest);
    QCOMPARE(sha256(data), digest);
}

void TestCrypto::hmacVectors_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("mac");
    // printf '%s' '' | openssl dgst -sha256 -hmac 'key'
    QTest::newRow("empty data")
        << QByteArray("key") << QByteArray()
        << hex("5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0");
    // printf '%s' 'The quick brown fox jumps over the lazy dog' | openssl dgst -sha256 -hmac 'key'
    QTest::newRow("fox") << QByteArray("key")
                         << QByteArray("The quick brown fox jumps over the lazy dog")
                         << hex("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    // printf '%s' 'data' | openssl dgst -sha256 -hmac ''
    // (= openssl dgst -sha256 -mac HMAC -macopt hexkey:00: an empty key is zero-padded)
    QTest::newRow("empty key")
        << QByteArray() << QByteArray("data")
        << hex("e528c4d99e6177f5841f712a143b90843299a4aa181a06501422d9ca862bd2a5");
    // clang-format off
    /* printf '%s' 'amount=100&appId=app_demo&nonce=a1b2c3d4e5f6a7b8c9d0e1f2&orderId=1790000000000000001&timestamp=1700000000' \
         | openssl dgst -sha256 -hmac 's3cr3t-app-secret-0123456789abcdef' */
    // clang-format on
    QTest::newRow("canonical cashier")
        << QByteArray("s3cr3t-app-secret-0123456789abcdef")
        << QByteArray("amount=100&appId=app_demo&nonce=a1b2c3d4e5f6a7b8c9d0e1f2&orderId="
                      "1790000000000000001&timestamp=1700000000")
        << hex("84af09a5f18d0fc02771218b6f7517d4b4fd1e65fd8806d09bf7404399f3767b");
}

void TestCrypto::hmacVectors()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, mac);
    QCOMPARE(hmacSha256(key, data), mac);
    // The per-thread context is re-keyed on every call: another key in between changes nothing.
    QVERIFY(hmacSha256(key + 'x', data) != mac);
    QCOMPARE(hmacSha256(key, data), mac);
}

void TestCrypto::hmacFromManyThreads()
{
    const QByteArray expected =
        hex("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    std::atomic<int> mismatches {0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                const QByteArray other = hmacSha256(QByteArray::number(t * 1000 + i), "x");
                if (hmacSha256("key", "The quick brown fox jumps over the lazy dog") != expected
                    || other.size() != 32)
                    ++mismatches;
            }
        });
    }
    for (auto &thread : threads)
        thread.join();
    QCOMPARE(mismatches.load(), 0);
}

void TestCrypto::constantTimeEquals_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<bool>("equal");
    QTest::newRow("same") << QByteArray("abcdef") << QByteArray("abcdef") << true;
    QTest::newRow("last byte") << QByteArray("abcdef") << QByteArray("abcdeg") << false;
    QTest::newRow("first byte") << QByteArray("abcdef") << QByteArray("bbcdef") << false;
    QTest::newRow("prefix") << QByteArray("abcdef") << QByteArray("abcde") << false;
    QTest::newRow("longer") << QByteArray("abc") << QByteArray("abcd") << false;
    QTest::newRow("both empty") << QByteArray() << QByteArray("") << true;
    QTest::newRow("empty vs one") << QByteArray() << QByteArray("a") << false;
    QTest::newRow("embedded zero") << QByteArray("a\0b", 3) << QByteArray("a\0c", 3) << false;
}

void TestCrypto::constantTimeEquals()
{
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(bool, equal);
    QCOMPARE(crypto::constantTimeEquals(a, b), equal);
    QCOMPARE(crypto::constantTimeEquals(b, a), equal);
}

void TestCrypto::randomBytes_data()
{
    QTest::addColumn<int>("size");
    QTest::newRow("0") << 0;
    QTest::newRow("1") << 1;
    QTest::newRow("16") << 16;
    QTest::newRow("4096") << 4096;
}

void TestCrypto::randomBytes()
{
    QFETCH(int, size);
    const QByteArray a = crypto::randomBytes(size);
    const QByteArray b = crypto::randomBytes(size);
    QCOMPARE(a.size(), size);
    QCOMPARE(b.size(), size);
    if (size >= 16)
        QVERIFY(a != b); // 2^-128 chance of a false failure
}

void TestCrypto::randomBytesNegativeThrows()
{
    QCOMPARE(thrownCode([] { crypto::randomBytes(-1); }), ErrorCode::Internal);
}

void TestCrypto::randomTokenIsBase64Url()
{
    const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_-]{43}$"));
    const QString a = randomToken(32);
    const QString b = randomToken(32);
    QVERIFY2(pattern.match(a).hasMatch(), qPrintable(a));
    QVERIFY(a != b);
    QCOMPARE(randomToken(3).size(), 4);
    QCOMPARE(randomToken(1).size(), 2);
}

// ---- RSA ----------------------------------------------------------------------------------------

void TestCrypto::rsaPrivateKeyFormats_data()
{
    QTest::addColumn<QByteArray>("pem");
    QTest::newRow("PKCS#8 PRIVATE KEY") << QByteArray(PrivateKeyPkcs8);
    QTest::newRow("PKCS#1 RSA PRIVATE KEY") << QByteArray(PrivateKeyPkcs1);
    QTest::newRow("text around the block")
        << (QByteArray("key of the test merchant\n") + PrivateKeyPkcs8 + "trailing text\n");
}

void TestCrypto::rsaPrivateKeyFormats()
{
    QFETCH(QByteArray, pem);
    const auto key = RsaPrivateKey::fromPem(pem);
    QVERIFY(key);
    QCOMPARE(key->bits(), 2048);
    // PKCS#1 v1.5 is deterministic: our signature is byte for byte openssl's.
    const QByteArray signature = key->sign(WechatMessage);
    QCOMPARE(signature.size(), 256);
    QCOMPARE(signature.toBase64(), QByteArray(WechatSignatureBase64));
    QVERIFY(key->publicKey().verify(WechatMessage, signature));
    // Re-export as PKCS#8 and load again: the same key.
    const auto again = RsaPrivateKey::fromPem(key->toPem());
    QVERIFY(again);
    QVERIFY(key->toPem().startsWith("-----BEGIN PRIVATE KEY-----"));
    QCOMPARE(again->sign(WechatMessage), signature);
}

void TestCrypto::rsaPublicKeyFormats_data()
{
    QTest::addColumn<QByteArray>("pem");
    QTest::addColumn<bool>("certificate");
    QTest::newRow("PUBLIC KEY") << QByteArray(PublicKeySpki) << false;
    QTest::newRow("RSA PUBLIC KEY") << QByteArray(PublicKeyPkcs1) << false;
    QTest::newRow("CERTIFICATE") << QByteArray(Certificate) << true;
}

void TestCrypto::rsaPublicKeyFormats()
{
    QFETCH(QByteArray, pem);
    QFETCH(bool, certificate);
    const auto key =
        certificate ? RsaPublicKey::fromCertificatePem(pem) : RsaPublicKey::fromPem(pem);
    QVERIFY(key);
    QCOMPARE(key->bits(), 2048);
    QVERIFY(key->verify(WechatMessage, wechatSignature()));
    QCOMPARE(key->toPem(), QByteArray(PublicKeySpki));
    // The loaders do not accept each other's input.
    if (certificate)
        QVERIFY(!RsaPublicKey::fromPem(pem));
    else
        QVERIFY(!RsaPublicKey::fromCertificatePem(pem));
}

void TestCrypto::rsaVerifyRejects_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("signature");
    const QByteArray signature = wechatSignature();
    QByteArray flipped = signature;
    flipped[100] = char(flipped[100] ^ 0x01);
    QByteArray tamperedData(WechatMessage);
    tamperedData.replace("1554208460", "1554208461");
    QTest::newRow("tampered data") << tamperedData << signature;
    QTest::newRow("data with extra byte") << QByteArray(WechatMessage) + ' ' << signature;
    QTest::newRow("flipped signature bit") << QByteArray(WechatMessage) << flipped;
    QTest::newRow("truncated signature") << QByteArray(WechatMessage) << signature.left(255);
    QTest::newRow("empty signature") << QByteArray(WechatMessage) << QByteArray();
    QTest::newRow("signature of other data")
        << QByteArray(WechatMessage) << RsaPrivateKey::fromPem(PrivateKeyPkcs8)->sign("other");
    QTest::newRow("garbage") << QByteArray(WechatMessage) << QByteArray(256, 'x');
}

void TestCrypto::rsaVerifyRejects()
{
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, signature);
    const auto key = RsaPublicKey::fromPem(PublicKeySpki);
    QVERIFY(key);
    QVERIFY(!key->verify(data, signature));
    // A failure leaves nothing behind: the genuine signature still verifies afterwards.
    QVERIFY(key->verify(WechatMessage, wechatSignature()));
}

void TestCrypto::rsaRefusedKeys_data()
{
    QTest::addColumn<QByteArray>("pem");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("garbage") << QByteArray(
        "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n");
    QTest::newRow("truncated") << QByteArray(PrivateKeyPkcs8).left(600);
    QTest::newRow("RSA 1024") << QByteArray(Rsa1024PrivateKey);
    QTest::newRow("RSA 1024 public") << QByteArray(Rsa1024PublicKey);
    QTest::newRow("EC P-256") << QByteArray(EcPrivateKey);
    QTest::newRow("encrypted, no prompt") << QByteArray(EncryptedPrivateKey);
    QTest::newRow("public key") << QByteArray(PublicKeySpki);
    QTest::newRow("certificate") << QByteArray(Certificate);
}

void TestCrypto::rsaRefusedKeys()
{
    QFETCH(QByteArray, pem);
    QVERIFY(!RsaPrivateKey::fromPem(pem));
    // Neither a private key, a small key nor garbage is taken for a public key either.
    if (qstrcmp(QTest::currentDataTag(), "public key") != 0)
        QVERIFY(!RsaPublicKey::fromPem(pem));
    if (qstrcmp(QTest::currentDataTag(), "certificate") != 0)
        QVERIFY(!RsaPublicKey::fromCertificatePem(pem));
}

void TestCrypto::rsaPublicKeyOfPrivateKey()
{
    const auto key = RsaPrivateKey::fromPem(PrivateKeyPkcs1);
    QVERIFY(key);
    const RsaPublicKey publicKey = key->publicKey();
    QCOMPARE(publicKey.toPem(), QByteArray(PublicKeySpki));
    QVERIFY(!publicKey.toPem().contains("PRIVATE"));
    // Copies share the key and stay usable after the original is gone.
    std::optional<RsaPublicKey> copy;
    {
        const RsaPublicKey temporary = key->publicKey();
        copy = temporary;
    }
    QVERIFY(copy->verify(WechatMessage, wechatSignature()));
}

void TestCrypto::rsaGeneratedKeyPair()
{
    const RsaKeyPairPem pair = generateRsaKeyPair();
    QVERIFY(pair.privateKeyPem.startsWith("-----BEGIN PRIVATE KEY-----"));
    QVERIFY(pair.publicKeyPem.startsWith("-----BEGIN PUBLIC KEY-----"));
    const auto privateKey = RsaPrivateKey::fromPem(pair.privateKeyPem);
    const auto publicKey = RsaPublicKey::fromPem(pair.publicKeyPem);
    QVERIFY(privateKey);
    QVERIFY(publicKey);
    QCOMPARE(privateKey->bits(), 2048);
    const QByteArray signature = privateKey->sign("hello");
    QVERIFY(publicKey->verify("hello", signature));
    QVERIFY(!publicKey->verify("hellO", signature));
    // A fresh pair is not the test key.
    QVERIFY(!RsaPublicKey::fromPem(PublicKeySpki)->verify("hello", signature));
    QVERIFY(generateRsaKeyPair().publicKeyPem != pair.publicKeyPem);
}

void TestCrypto::rsaGenerateRefusesSmallKeys()
{
    QCOMPARE(thrownCode([] { generateRsaKeyPair(1024); }), ErrorCode::Internal);
    QCOMPARE(thrownCode([] { generateRsaKeyPair(2047); }), ErrorCode::Internal);
}

void TestCrypto::certificateSerial()
{
    // openssl x509 -in cert.pem -noout -serial
    QCOMPARE(certificateSerialHex(Certificate).value_or(QString()),
             QStringLiteral("5157F09EFDC096DE15EBE81A47057A7232F1B8E1"));
    QCOMPARE(certificateSerialHex(PublicKeySpki), std::nullopt);
    QCOMPARE(certificateSerialHex("garbage"), std::nullopt);
}

void TestCrypto::selfSignedCertificate()
{
    const auto key = RsaPrivateKey::fromPem(PrivateKeyPkcs8);
    QVERIFY(key);
    const QByteArray pem = selfSignedCertificatePem(*key, QStringLiteral("Pomelo Sandbox 平台"),
                                                    QStringLiteral("0a1b2c3d4e5f"), 30);
    QVERIFY(pem.startsWith("-----BEGIN CERTIFICATE-----"));
    // Whole bytes, like `openssl x509 -serial`: the leading zero of 0x0A stays.
    QCOMPARE(certificateSerialHex(pem).value_or(QString()), QStringLiteral("0A1B2C3D4E5F"));
    QCOMPARE(certificateSerialHex(
                 selfSignedCertificatePem(*key, QStringLiteral("x"), QStringLiteral("abc")))
                 .value_or(QString()),
             QStringLiteral("0ABC"));
    const auto publicKey = RsaPublicKey::fromCertificatePem(pem);
    QVERIFY(publicKey);
    QCOMPARE(publicKey->toPem(), QByteArray(PublicKeySpki));
    QVERIFY(publicKey->verify(WechatMessage, wechatSignature()));
}

void TestCrypto::selfSignedCertificateRejectsBadSerial_data()
{
    QTest::addColumn<QString>("serial");
    QTest::addColumn<int>("days");
    QTest::newRow("empty serial") << QString() << 30;
    QTest::newRow("zero serial") << QStringLiteral("000") << 30;
    QTest::newRow("not hex") << QStringLiteral("12G4") << 30;
    QTest::newRow("sign") << QStringLiteral("-1234") << 30;
    QTest::newRow("41 digits") << QString(41, QLatin1Char('1')) << 30;
    QTest::newRow("0 days") << QStringLiteral("01") << 0;
}

void TestCrypto::selfSignedCertificateRejectsBadSerial()
{
    QFETCH(QString, serial);
    QFETCH(int, days);
    const auto key = RsaPrivateKey::fromPem(PrivateKeyPkcs8);
    QVERIFY(key);
    QCOMPARE(thrownCode([&] { selfSignedCertificatePem(*key, QStringLiteral("x"), serial, days); }),
             ErrorCode::Internal);
}

// ---- AES-256-GCM --------------------------------------------------------------------------------

void TestCrypto::aesGcmVectors_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("nonce");
    QTest::addColumn<QByteArray>("plaintext");
    QTest::addColumn<QByteArray>("aad");
    QTest::addColumn<QByteArray>("ciphertextAndTag");
    // McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Test Cases 13, 14, 16 and 18
    // (256-bit key; the vectors NIST's GCM validation uses); each also re-checked with Python's
    // cryptography: AESGCM(key).encrypt(iv, p, a), or Cipher(AES(key), GCM(iv)) for the 60-byte IV.
    QTest::newRow("TC13 empty") << QByteArray(32, '\0') << QByteArray(12, '\0') << QByteArray()
                                << QByteArray() << hex("530f8afbc74536b9a963b4f1c4cb738b");
    QTest::newRow("TC14 one block")
        << QByteArray(32, '\0') << QByteArray(12, '\0') << QByteArray(16, '\0') << QByteArray()
        << hex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
    const QByteArray key16 =
        hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const QByteArray plain16 =
        hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
    const QByteArray aad16 = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    QTest::newRow("TC16 with AAD")
        << key16 << hex("cafebabefacedbaddecaf888") << plain16 << aad16
        << hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
               "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
               "76fc6ece0f4e1768cddf8853bb2d551b");
    QTest::newRow("TC18 60-byte IV")
        << key16
        << hex("9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
               "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b")
        << plain16 << aad16
        << hex("5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
               "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f"
               "a44a8266ee1c8eb0c8b5d4cf5ae9f19a");
    // A WeChat Pay APIv3 notification resource: 32-char APIv3 key, 12 ASCII-char nonce,
    // associated_data "transaction". Computed with Python cryptography 48:
    //   base64.b64encode(AESGCM(b"0123456789abcdefghijklmnopqrstuv").encrypt(
    //       b"fdasflkja484", b'{"mchid":"1900000100",...}', b"transaction"))
    QTest::newRow("WeChat resource")
        << QByteArray("0123456789abcdefghijklmnopqrstuv") << QByteArray("fdasflkja484")
        << QByteArray(
               R"({"mchid":"1900000100","out_trade_no":"1790000000000000001","trade_state":"SUCCESS","amount":{"total":100}})")
        << QByteArray("transaction")
        << QByteArray::fromBase64(
               "kdUy8AAEd+F97t+v/"
               "8pygRXtZH4tC3RjNMxky9nmEGoawi1zMcrRSOD5p9bCUZLZqiPfn0mrBazqVcf7nfYWFn3fSybkrqugWTYn"
               "vcxzQZtpdvRvFl2bdQn8azuDc29vOFt3osp1dewUoqRY3yRDLMrvS1c6L8tWRbQ=");
}

void TestCrypto::aesGcmVectors()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, nonce);
    QFETCH(QByteArray, plaintext);
    QFETCH(QByteArray, aad);
    QFETCH(QByteArray, ciphertextAndTag);
    QCOMPARE(aes256GcmEncrypt(key, nonce, plaintext, aad), ciphertextAndTag);
    const auto decrypted = aes256GcmDecrypt(key, nonce, ciphertextAndTag, aad);
    QVERIFY(decrypted);
    QCOMPARE(*decrypted, plaintext);
}

void TestCrypto::aesGcmRejects_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("nonce");
    QTest::addColumn<QByteArray>("ciphertextAndTag");
    QTest::addColumn<QByteArray>("aad");
    const QByteArray key("0123456789abcdefghijklmnopqrstuv");
    const QByteArray nonce("fdasflkja484");
    const QByteArray aad("transaction");
    const QByteArray good = aes256GcmEncrypt(key, nonce, "{\"trade_state\":\"SUCCESS\"}", aad);
    QByteArray cipherBit = good;
    cipherBit[3] = char(cipherBit[3] ^ 0x01);
    QByteArray tagBit = good;
    tagBit[tagBit.size() - 1] = char(tagBit[tagBit.size() - 1] ^ 0x80);
    QByteArray otherKey = key;
    otherKey[31] = 'w';
    QTest::newRow("ciphertext bit") << key << nonce << cipherBit << aad;
    QTest::newRow("tag bit") << key << nonce << tagBit << aad;
    QTest::newRow("truncated tag") << key << nonce << good.left(good.size() - 1) << aad;
    QTest::newRow("extra byte") << key << nonce << good + 'x' << aad;
    QTest::newRow("tag only") << key << nonce << good.right(16) << aad;
    QTest::newRow("shorter than a tag") << key << nonce << good.left(15) << aad;
    QTest::newRow("empty") << key << nonce << QByteArray() << aad;
    QTest::newRow("other AAD") << key << nonce << good << QByteArray("certificate");
    QTest::newRow("no AAD") << key << nonce << good << QByteArray();
    QTest::newRow("wrong key") << otherKey << nonce << good << aad;
    QTest::newRow("wrong nonce") << key << QByteArray("fdasflkja485") << good << aad;
    QTest::newRow("31-byte key") << key.left(31) << nonce << good << aad;
    QTest::newRow("33-byte key") << key + 'x' << nonce << good << aad;
    QTest::newRow("empty nonce") << key << QByteArray() << good << aad;
    QTest::newRow("129-byte nonce") << key << QByteArray(129, 'n') << good << aad;
}

void TestCrypto::aesGcmRejects()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, nonce);
    QFETCH(QByteArray, ciphertextAndTag);
    QFETCH(QByteArray, aad);
    QCOMPARE(aes256GcmDecrypt(key, nonce, ciphertextAndTag, aad), std::nullopt);
}

void TestCrypto::aesGcmRoundTripEmpty()
{
    const QByteArray key = crypto::randomBytes(32);
    const QByteArray sealed = aes256GcmEncrypt(key, "n", QByteArray(), "aad only");
    QCOMPARE(sealed.size(), AesGcmTagSize);
    QCOMPARE(aes256GcmDecrypt(key, "n", sealed, "aad only"),
             std::optional<QByteArray>(QByteArray()));
    QCOMPARE(aes256GcmDecrypt(key, "n", sealed, "aad 0nly"), std::nullopt);
}

void TestCrypto::aesGcmEncryptRejectsBadParameters()
{
    QCOMPARE(thrownCode([] { aes256GcmEncrypt(QByteArray(16, 'k'), "nonce", "x"); }),
             ErrorCode::Internal);
    QCOMPARE(thrownCode([] { aes256GcmEncrypt(QByteArray(32, 'k'), QByteArray(), "x"); }),
             ErrorCode::Internal);
    QCOMPARE(thrownCode([] { aes256GcmEncrypt(QByteArray(32, 'k'), QByteArray(129, 'n'), "x"); }),
             ErrorCode::Internal);
    // The largest nonce the provider takes still works.
    const QByteArray nonce(128, 'n');
    QCOMPARE(aes256GcmDecrypt(QByteArray(32, 'k'), nonce,
                              aes256GcmEncrypt(QByteArray(32, 'k'), nonce, "x")),
             std::optional<QByteArray>("x"));
}

// ---- passwords ----------------------------------------------------------------------------------

void TestCrypto::pbkdf2Vector()
{
    // clang-format off
    /* openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt pass:password -kdfopt salt:salt \
         -kdfopt iter:1 PBKDF2 */
    // clang-format on
    QCOMPARE(pbkdf2Sha256("password", "salt", 1),
             hex("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"));
    QCOMPARE(pbkdf2Sha256("password", "salt", 1, 16), hex("120fb6cffcf8b32c43e7225256c4f837"));
    QCOMPARE(thrownCode([] { pbkdf2Sha256("p", "s", 0); }), ErrorCode::Internal);
}

void TestCrypto::verifyPassword_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("encoded");
    QTest::addColumn<bool>("valid");

    // clang-format off
    /* Each hash below:
         openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt 'pass:<password>' \
           -kdfopt hexsalt:<salt> -kdfopt iter:<n> PBKDF2 | tr -d ':\n' | xxd -r -p | base64 | tr -d '='
       and its salt: echo <salt> | xxd -r -p | base64 | tr -d '=' */
    // clang-format on
    // 1) pass 'correct horse battery staple', hexsalt 000102030405060708090a0b0c0d0e0f, iter 120000
    const QString horse = QStringLiteral(
        "pbkdf2-sha256$120000$AAECAwQFBgcICQoLDA0ODw$6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY");
    // 2) pass 'Pomelo-Admin-2024!', hexsalt f0e1d2c3b4a5968778695a4b3c2d1e0f, iter 100000
    const QString admin = QStringLiteral(
        "pbkdf2-sha256$100000$8OHSw7Sllod4aVpLPC0eDw$BZ6ViMWtd2rBZofIzTJWdhzpPGKXjfYcRBvGPlx0yds");
    // 3) pass "$(printf 'caf\xc3\xa9')" (UTF-8 "café", NFC), hexsalt
    // 101112131415161718191a1b1c1d1e1f,
    //    iter 100000
    const QString cafe = QStringLiteral(
        "pbkdf2-sha256$100000$EBESExQVFhcYGRobHB0eHw$Dexmyr7vuLgN6DEaDVVNiC/1Lu9jJGim+sjhvh/EJN0");
    const QString horsePassword = QStringLiteral("correct horse battery staple");

    QTest::newRow("right") << horsePassword << horse << true;
    QTest::newRow("right, minimum iterations")
        << QStringLiteral("Pomelo-Admin-2024!") << admin << true;
    QTest::newRow("wrong") << QStringLiteral("correct horse battery stapl") << horse << false;
    QTest::newRow("wrong case") << QStringLiteral("pomelo-admin-2024!") << admin << false;
    QTest::newRow("empty password") << QString() << horse << false;
    QTest::newRow("non-ASCII NFC") << QString::fromUtf8("caf\xc3\xa9") << cafe << true;
    QTest::newRow("non-ASCII NFD") << QString::fromUtf8("cafe\xcc\x81") << cafe << true;
    QTest::newRow("non-ASCII wrong") << QStringLiteral("cafe") << cafe << false;

    // Malformed or refused encodings: false, never an exception.
    const auto variant = [&](const char *text) {
        return QString::fromLatin1(text);
    };
    QTest::newRow("empty") << horsePassword << QString() << false;
    QTest::newRow("other scheme") << horsePassword
                                  << variant("pbkdf2-sha1$120000$AAECAwQFBgcICQoLDA0ODw$"
                                             "6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY")
                                  << false;
    QTest::newRow("three parts")
        << horsePassword
        << variant("pbkdf2-sha256$120000$AAECAwQFBgcICQoLDA0ODw6WLr2CZ7yDk4bUYIu8PIrDa/"
                   "shX6qFROOk4svM7ISAY")
        << false;
    QTest::newRow("five parts") << horsePassword << horse + QLatin1Char('$') << false;
    QTest::newRow("trailing space") << horsePassword << horse + QLatin1Char(' ') << false;
    QTest::newRow("leading zero") << horsePassword
                                  << variant("pbkdf2-sha256$0120000$AAECAwQFBgcICQoLDA0ODw$"
                                             "6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY")
                                  << false;
    QTest::newRow("plus sign") << horsePassword
                               << variant("pbkdf2-sha256$+120000$AAECAwQFBgcICQoLDA0ODw$"
                                          "6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY")
                               << false;
    QTest::newRow("not a number") << horsePassword
                                  << variant("pbkdf2-sha256$12e4$AAECAwQFBgcICQoLDA0ODw$"
                                             "6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY")
                                  << false;
    QTest::newRow("too few iterations") << horsePassword
                                        << variant("pbkdf2-sha256$99999$AAECAwQFBgcICQoLDA0ODw$"
                                                   "6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY")
                                        << false;
    QTest::newRow("absurd iterations") << horsePassword
                                       << variant("pbkdf2-sha256$999999999$AAECAwQFBgcICQoLDA0ODw$"
                                                  "6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY")
                                       << false;
    QTest::newRow("just over the cap") << horsePassword
                                       << variant("pbkdf2-sha256$10000001$AAECAwQFBgcICQoLDA0ODw$"
                                                  "6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY")
                                       << false;
    QTest::newRow("overflowing iterations")
        << horsePassword
        << variant("pbkdf2-sha256$99999999999999999999$AAECAwQFBgcICQoLDA0ODw$"
                   "6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY")
        << false;
    QTest::newRow("padded salt") << horsePassword
                                 << variant("pbkdf2-sha256$120000$AAECAwQFBgcICQoLDA0ODw==$"
                                            "6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY")
                                 << false;
    QTest::newRow("base64url hash") << horsePassword
                                    << variant("pbkdf2-sha256$120000$AAECAwQFBgcICQoLDA0ODw$"
                                               "6WLr2CZ7yDk4bUYIu8PIrDa_shX6qFROOk4svM7ISAY")
                                    << false;
    QTest::newRow("8-byte salt")
        << horsePassword
        << variant("pbkdf2-sha256$120000$AAECAwQFBgc$6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7ISAY")
        << false;
    QTest::newRow("31-byte hash") << horsePassword
                                  << variant("pbkdf2-sha256$120000$AAECAwQFBgcICQoLDA0ODw$"
                                             "6WLr2CZ7yDk4bUYIu8PIrDa/shX6qFROOk4svM7I")
                                  << false;
    QTest::newRow("empty hash") << horsePassword
                                << variant("pbkdf2-sha256$120000$AAECAwQFBgcICQoLDA0ODw$") << false;
    QTest::newRow("plain text") << horsePassword << horsePassword << false;
}

void TestCrypto::verifyPassword()
{
    QFETCH(QString, password);
    QFETCH(QString, encoded);
    QFETCH(bool, valid);
    QCOMPARE(crypto::verifyPassword(password, encoded), valid);
}

void TestCrypto::hashPasswordRoundTrip()
{
    const QString password = QStringLiteral("s3cret 密码");
    const QString a = hashPassword(password);
    const QString b = hashPassword(password);
    // libsodium's crypto_pwhash_str form with the INTERACTIVE costs: 16-byte salt, 32-byte hash.
    const QRegularExpression format(QStringLiteral(
        "^\\$argon2id\\$v=19\\$m=65536,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}$"));
    QVERIFY2(format.match(a).hasMatch(), qPrintable(a));
    QVERIFY(a != b); // a fresh salt every time
    QVERIFY(crypto::verifyPassword(password, a));
    QVERIFY(crypto::verifyPassword(password, b));
    QVERIFY(!crypto::verifyPassword(QStringLiteral("s3cret 密碼"), a));
    QVERIFY(!crypto::verifyPassword(QString(), a));
    QVERIFY(!a.contains(password));
    // The same normalisation as before: NFD input verifies against an NFC password's hash.
    const QString cafe = hashPassword(QString::fromUtf8("caf\xc3\xa9"));
    QVERIFY(crypto::verifyPassword(QString::fromUtf8("cafe\xcc\x81"), cafe));
    QVERIFY(!crypto::passwordNeedsRehash(a));
}

void TestCrypto::verifyArgon2id_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("encoded");
    QTest::addColumn<bool>("valid");

    // clang-format off
    /* From the reference implementation (libargon2 1, Debian's libargon2-1), not libsodium:
         python3 -c 'import ctypes as c; l=c.CDLL("libargon2.so.1"); f=l.argon2id_hash_encoded
           f.argtypes=[c.c_uint32]*3+[c.c_char_p,c.c_size_t,c.c_char_p,c.c_size_t,c.c_size_t,c.c_char_p,c.c_size_t]
           o=c.create_string_buffer(256); f(T,M,1,PWD,len(PWD),SALT,16,32,o,256); print(o.value)'
       1) T=2 M=65536 PWD=b"correct horse battery staple" SALT=bytes(range(16))
       2) T=3 M=8192  PWD="café".encode() (NFC)          SALT=bytes(range(16, 32)) */
    // clang-format on
    const QString horse = QStringLiteral("$argon2id$v=19$m=65536,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$"
                                         "wFzkxN1+DkXuYBHMWdBoreR98bAfwM+c1GeL32ilt7A");
    const QString cafe = QStringLiteral("$argon2id$v=19$m=8192,t=3,p=1$EBESExQVFhcYGRobHB0eHw$"
                                        "3ZkzmQYgo9S1YtRZdsmY9gMUU3o/wQ8kx0o29BVlvmI");
    const QString horsePassword = QStringLiteral("correct horse battery staple");
    QTest::newRow("right") << horsePassword << horse << true;
    QTest::newRow("wrong") << QStringLiteral("correct horse battery stapl") << horse << false;
    QTest::newRow("empty password") << QString() << horse << false;
    QTest::newRow("other costs, NFC") << QString::fromUtf8("caf\xc3\xa9") << cafe << true;
    QTest::newRow("other costs, NFD") << QString::fromUtf8("cafe\xcc\x81") << cafe << true;
    QTest::newRow("other costs, wrong") << QStringLiteral("cafe") << cafe << false;

    // Malformed or refused encodings: false, never an exception, never a huge allocation.
    QString flipped = horse;
    flipped[flipped.size() - 2] = flipped.at(flipped.size() - 2) == u'7' ? u'8' : u'7';
    QTest::newRow("hash changed") << horsePassword << flipped << false;
    QString otherSalt = horse;
    otherSalt.replace(QStringLiteral("AAECAw"), QStringLiteral("AAECAx"));
    QTest::newRow("salt changed") << horsePassword << otherSalt << false;
    QTest::newRow("argon2i") << horsePassword
                             << QString(horse).replace(QStringLiteral("argon2id"),
                                                       QStringLiteral("argon2i"))
                             << false;
    QTest::newRow("costs changed")
        << horsePassword << QString(horse).replace(QStringLiteral("t=2"), QStringLiteral("t=3"))
        << false;
    QTest::newRow("absurd memory")
        << horsePassword
        << QString(horse).replace(QStringLiteral("m=65536"), QStringLiteral("m=4194304")) << false;
    QTest::newRow("absurd passes")
        << horsePassword << QString(horse).replace(QStringLiteral("t=2"), QStringLiteral("t=1000"))
        << false;
    QTest::newRow("two lanes") << horsePassword
                               << QString(horse).replace(QStringLiteral("p=1"),
                                                         QStringLiteral("p=2"))
                               << false;
    QTest::newRow("leading zero") << horsePassword
                                  << QString(horse).replace(QStringLiteral("t=2"),
                                                            QStringLiteral("t=02"))
                                  << false;
    QTest::newRow("trailing $") << horsePassword << horse + QLatin1Char('$') << false;
    QTest::newRow("no hash") << horsePassword
                             << QStringLiteral(
                                    "$argon2id$v=19$m=65536,t=2,p=1$AAECAwQFBgcICQoLDA0ODw")
                             << false;
    QTest::newRow("prefix only") << horsePassword << QStringLiteral("$argon2id$") << false;
    QTest::newRow("too long") << horsePassword << horse + QString(200, u'A') << false;
}

void TestCrypto::verifyArgon2id()
{
    QFETCH(QString, password);
    QFETCH(QString, encoded);
    QFETCH(bool, valid);
    QCOMPARE(crypto::verifyPassword(password, encoded), valid);
}

void TestCrypto::hashPasswordPbkdf2RoundTrip()
{
    // The former format, which existing users still have until their next login.
    const QString password = QStringLiteral("s3cret 密码");
    const QString a = hashPasswordPbkdf2(password);
    const QRegularExpression format(
        QStringLiteral("^pbkdf2-sha256\\$120000\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}$"));
    QVERIFY2(format.match(a).hasMatch(), qPrintable(a));
    QVERIFY(a != hashPasswordPbkdf2(password));
    QVERIFY(crypto::verifyPassword(password, a));
    QVERIFY(!crypto::verifyPassword(QStringLiteral("s3cret 密碼"), a));

    const QString custom = hashPasswordPbkdf2(password, 150000);
    QVERIFY(custom.startsWith(QLatin1String("pbkdf2-sha256$150000$")));
    QVERIFY(crypto::verifyPassword(password, custom));
}

void TestCrypto::hashPasswordRejectsIterations()
{
    QCOMPARE(thrownCode([] { hashPasswordPbkdf2(QStringLiteral("x"), 99999); }),
             ErrorCode::Internal);
    QCOMPARE(thrownCode([] { hashPasswordPbkdf2(QStringLiteral("x"), PasswordMaxIterations + 1); }),
             ErrorCode::Internal);
}

void TestCrypto::passwordNeedsRehash()
{
    // Every PBKDF2 hash, whatever its count: the next successful login stores Argon2id.
    const QString admin = QStringLiteral(
        "pbkdf2-sha256$100000$8OHSw7Sllod4aVpLPC0eDw$BZ6ViMWtd2rBZofIzTJWdhzpPGKXjfYcRBvGPlx0yds");
    QVERIFY(crypto::passwordNeedsRehash(admin));
    QVERIFY(crypto::passwordNeedsRehash(hashPasswordPbkdf2(QStringLiteral("x"), 200000)));
    // Argon2id with today's costs: no; with other costs (the reference vector above): yes.
    QVERIFY(!crypto::passwordNeedsRehash(hashPassword(QStringLiteral("x"))));
    QVERIFY(!crypto::passwordNeedsRehash(
        QStringLiteral("$argon2id$v=19$m=65536,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$"
                       "wFzkxN1+DkXuYBHMWdBoreR98bAfwM+c1GeL32ilt7A")));
    QVERIFY(crypto::passwordNeedsRehash(
        QStringLiteral("$argon2id$v=19$m=8192,t=3,p=1$EBESExQVFhcYGRobHB0eHw$"
                       "3ZkzmQYgo9S1YtRZdsmY9gMUU3o/wQ8kx0o29BVlvmI")));
    // Nothing verifies against these, so there is nothing to rehash.
    QVERIFY(!crypto::passwordNeedsRehash(QStringLiteral("garbage")));
    QVERIFY(
        !crypto::passwordNeedsRehash(QStringLiteral("$argon2id$v=19$m=4194304,t=2,p=1$AAAA$AAAA")));
}

void TestCrypto::passwordHashTimes()
{
    // Not a benchmark: the numbers go to the log so that a change of costs is seen, and the bounds
    // only catch a cost that would make every login slow (even under ASan: libsodium itself is not
    // instrumented).
    QElapsedTimer t;
    t.start();
    const QString argon = hashPassword(QStringLiteral("pw"));
    const qint64 hashMs = t.restart();
    QVERIFY(crypto::verifyPassword(QStringLiteral("pw"), argon));
    const qint64 verifyMs = t.restart();
    const QString pbkdf2 = hashPasswordPbkdf2(QStringLiteral("pw"));
    t.restart();
    QVERIFY(crypto::verifyPassword(QStringLiteral("pw"), pbkdf2));
    const qint64 pbkdf2Ms = t.elapsed();
    qInfo("argon2id hash %lld ms, verify %lld ms; pbkdf2 verify %lld ms", hashMs, verifyMs,
          pbkdf2Ms);
    QVERIFY2(hashMs < 5000 && verifyMs < 5000, "Argon2id costs far above INTERACTIVE?");
}

QTEST_GUILESS_MAIN(TestCrypto)
#include "test_crypto.moc"
