# A Debian package of what `cmake --install` installs: `cpack -G DEB` in the
# build directory writes shopkit_VERSION_ARCH.deb. Included by the top-level
# CMakeLists.txt after its install rules.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME shopkit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "shopkit developers <dev@shopkit.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "notice an online shop's outage, tell staff and customers, run the runbook")
# The extended description; CPack puts the summary above it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "shopkit is a small Unix toolkit, run from cron or a systemd timer, for a shop
whose hosted cart or marketplace store goes down: shopcheck probes every sales
channel and opens incidents, shoprecover runs the runbook and confirms recovery,
shopannounce tells staff and customers on the channels that still work, and
shopreport reports what the outage cost.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # shopkit_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the libraries the programs link (dpkg-shlibdeps, in dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "logrotate")
set(CPACK_STRIP_FILES ON)

# Debian's places are under /usr, whatever CMAKE_INSTALL_PREFIX says. The
# programs look for their templates in the DATADIR they were configured with
# (and fall back to the copies built into them), so a package meant for
# installing is configured with -DCMAKE_INSTALL_PREFIX=/usr.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "cpack -G DEB installs under /usr, but the programs are built to look for "
                 "templates under ${CMAKE_INSTALL_FULL_DATADIR}/shopkit: configure with "
                 "-DCMAKE_INSTALL_PREFIX=/usr to build a package for installing")
endif()

include(CPack)
