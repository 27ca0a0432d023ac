# proxy-remoteip: the client's address from a PROXY protocol header.
PROXY_OBJECTS := proxy-remoteip/header.o proxy-remoteip/config.o proxy-remoteip/rules.o proxy-remoteip/run.o
proxy-remoteip/proxy.a: $(PROXY_OBJECTS)
	rm -f $@ && ar rcs $@ $^
FAMILY_LIBS += proxy-remoteip/proxy.a
proxy-remoteip/proxy-remoteip: proxy-remoteip/proxy-remoteip.o proxy-remoteip/proxy.a lib/lib.a
	$(CXX_LINK) -o $@ proxy-remoteip/proxy-remoteip.o proxy-remoteip/proxy.a $(LIB_LINK)
PROGRAMS += proxy-remoteip/proxy-remoteip
MANPAGES += proxy-remoteip/proxy-remoteip.8
