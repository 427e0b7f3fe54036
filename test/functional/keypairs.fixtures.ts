/** Public keys made with ssh-keygen and their MD5 fingerprints (ssh-keygen -l -E md5), and an openssl certificate with its SHA-1. */
export const KEYS = {
  rsa: {
    key: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC5RRSDWqVVXaKBBiOaL81yMxQhA98lrkhuPhevCHlarBiiYvfWA2bfaDf+MyjKNUxTJijsuXvyIurxuz9qip5pQc+uS7gNY0jLK59wVSpKjwlvY2fD4RvPvtB0BzUoXN4IQU+/NU1yFqP8XpT8NfksWfYn+D8OguR8MqfUWhj2mT8tZA/gxV7S4RYw1ccKRUvtWMUYd9Ms9ZsS1rllMstG2JkI4fv4ERMQh8jzndTkpC3ZbFfEfsy60eVO94lOEXQiTpQS+4nbHiOFAQwvar5vkfJo6JOflMB3d/KeLk49PUvgrqZW134t6PG583u6N676z1cWP5ZJwyKo1pepfjxb test@rsab2048',
    fingerprint: '72:87:5c:1b:12:db:d0:c4:8a:87:73:6b:8c:f0:db:ff',
  },
  ed25519: {
    key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKzQrSq8Mnao7CZ5I8RMyxEA2OkhN1Ra/Ne86M4MLBEl test@ed25519',
    fingerprint: '24:30:0f:c1:f8:82:3b:ca:04:ce:fd:cf:05:a5:59:ab',
  },
  ecdsa256: {
    key: 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFRhlBnrMkmjd+uvl+YpLErQb8q+/1Coq7TmYtUcKnlYEG3eHI/FV0GkOLh/skCs3H8300FXAw060avMb8zYFr0= test@ecdsab256',
    fingerprint: 'af:9a:00:2e:4d:3b:d3:2b:c3:9c:a1:4f:e6:65:7e:93',
  },
  ecdsa384: {
    key: 'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBBZjlZoYbVSV5i3l/lPNgOpPKJqvpPUFA5I3utUmxKe+9Pr9vewW7vcdCO1ztXhTqN8Sev080MDrQ2t17QqFAFw2dl8UMA5ls/UJEPsVqnlOBWxFjKxCcttAY4fZhYryhQ== test@ecdsab384',
    fingerprint: 'c0:e6:ee:6d:1c:97:bc:3c:ef:e3:24:03:7d:b2:b7:8e',
  },
  ecdsa521: {
    key: 'ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAEaxyd7ooOBKog1wEoMI12WZCOUGNw4Bvf58vX2ecFYg5m/SPuEzeunZW34pIVZSZ9dlFVV9YC4olqyytYFvezBywCsw2cAqNN+C9oOqMuFB2NnAwSr4foZB7rZV8Qa6h9I95sJKHUxxNaxPQzQBpGnkGJr1rT9eWB/Z22VP5h7+vJz0w== test@ecdsab521',
    fingerprint: 'ba:d3:da:82:a8:1c:a5:68:8c:08:d5:13:93:28:5a:5b',
  },
} as const;

export const CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIDATCCAemgAwIBAgIUSaWikDDcCO9686cS12uML2WyGxkwDQYJKoZIhvcNAQEL
BQAwEDEOMAwGA1UEAwwFYWxpY2UwHhcNMjYxMTI0MjE1MDMyWhcNMzYxMTIxMjE1
MDMyWjAQMQ4wDAYDVQQDDAVhbGljZTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCC
AQoCggEBAMa1XdCWzH5u0ucDgGc4l+RCKmwsiqeegpcz+Ty8I8BgXiULp8/BlXS5
eOclmRxEFW7lzISyHoDpnj11CXmfaDp+auMd5qlp3C3jSDvncIMX3cTxBG0PCc1z
ClAHUpzmYmDjEUaj9JJXqUDSyZqMyYjp/zwIOgCHN2hOKIF/rlNLRCOSLRSXv7JY
WGTk5DcNUhzJElA8Asqde4vXdhMtAFDYJa6p+VARsiKv8+jUkhNV+XcBhYF1r/YM
+AmX+1usclZGjYp67VDqe/peCzCib61+qaXq8z8ECE/N2pbjneHXmP9/xrdgybeN
gnqAwzKzytwNkJfJxGRvNZPWwmjqK4MCAwEAAaNTMFEwHQYDVR0OBBYEFKNLNV6m
nkvOeWUxz6Ue2qfSBke/MB8GA1UdIwQYMBaAFKNLNV6mnkvOeWUxz6Ue2qfSBke/
MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAKpihFiWMoGXgDeA
Q0zWkrDrdx/qpeMUkglxJGjP3A0Gq8dUp0B3QDTAdJmGjjDc0M50tJOr00JkdFRg
iCKXCRQO4uXqCBKCc9VqaBcFVQ8OSJpMMaVohjiH41YI/Er0cbpsaQxiMuiN+S2B
r3hXmPW3KAztkDIG8KNhfVMfZqh5V9Gz3LdmhCZjHsSkSyo6O8PvzGQUPw5OPxpR
VnyOqNqpaX7W7IEDoU7beesNGCYZ6GPOAb59yrTyyMBL0Xz5VlDa3S3SKHXGjz26
l+hQmdgGWtcaIq1ZPJSyT2zE7vLzzySIbX041xMl3DaxFid/G+IUi9BE4sbuwDJD
zeXQWho=
-----END CERTIFICATE-----
`;
export const CERT_FINGERPRINT = '07:3c:f9:0a:fe:0c:f7:de:fc:26:cb:24:e0:27:ea:4c:cb:02:43:ac';
