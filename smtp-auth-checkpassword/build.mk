# smtp-auth-checkpassword, smtp-auth-mkdb, smtp-auth-passwd, smtp-auth-throttle.
# The logic lives in auth.a, which the unit tests link too.
AUTH_OBJECTS := smtp-auth-checkpassword/checkpassword.o smtp-auth-checkpassword/config.o \
	smtp-auth-checkpassword/mkdb.o smtp-auth-checkpassword/passwd.o \
	smtp-auth-checkpassword/request.o smtp-auth-checkpassword/scheme.o \
	smtp-auth-checkpassword/throttle.o smtp-auth-checkpassword/throttle_admin.o \
	smtp-auth-checkpassword/userdb.o
smtp-auth-checkpassword/auth.a: $(AUTH_OBJECTS)
	rm -f $@ && ar rcs $@ $^
FAMILY_LIBS += smtp-auth-checkpassword/auth.a
TEST_LIBS += -lcrypto -lcrypt
AUTH_PROGRAMS := smtp-auth-checkpassword/smtp-auth-checkpassword smtp-auth-checkpassword/smtp-auth-mkdb \
	smtp-auth-checkpassword/smtp-auth-passwd smtp-auth-checkpassword/smtp-auth-throttle
# Each links what it uses: lib/digest (MD5, HMAC-MD5) needs libcrypto, the
# password schemes libcrypt; the throttle's tool hashes long user names only.
smtp-auth-checkpassword/smtp-auth-checkpassword smtp-auth-checkpassword/smtp-auth-mkdb \
	smtp-auth-checkpassword/smtp-auth-passwd: AUTH_LINK := -lcrypto -lcrypt
smtp-auth-checkpassword/smtp-auth-throttle: AUTH_LINK := -lcrypto
$(AUTH_PROGRAMS): %: %.o smtp-auth-checkpassword/auth.a lib/lib.a
	$(CXX_LINK) -o $@ $< smtp-auth-checkpassword/auth.a $(LIB_LINK) $(AUTH_LINK)
PROGRAMS += $(AUTH_PROGRAMS)
MANPAGES += smtp-auth-checkpassword/smtp-auth-checkpassword.8 smtp-auth-checkpassword/smtp-auth-mkdb.8 \
	smtp-auth-checkpassword/smtp-auth-passwd.8 smtp-auth-checkpassword/smtp-auth-throttle.8
