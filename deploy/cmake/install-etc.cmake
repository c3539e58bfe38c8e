# Runs at install time (cmake --install, cpack), when CMAKE_INSTALL_PREFIX is
# the final one: puts the example configuration and the systemd units where
# that prefix wants them, and rewrites the /usr and /etc/sluice paths inside
# them to it.
#   prefix /usr       -> /etc/sluice/sluice.conf, /lib/systemd/system
#   any other prefix  -> PREFIX/etc/sluice/sluice.conf, PREFIX/lib/systemd/system
# Set by the install(CODE) that includes this file: SL_SRC (source dir),
# SL_BUILD (build dir), SL_BINDIR, SL_LIBEXECDIR, SL_DATADIR (relative dirs of
# GNUInstallDirs), SL_UNITDIR (empty = the default above).
set(_p "${CMAKE_INSTALL_PREFIX}")
if(_p STREQUAL "/usr")
  set(_etc /etc)
  set(_unitdir /lib/systemd/system)
else()
  set(_etc "${_p}/etc")
  set(_unitdir "${_p}/lib/systemd/system")
endif()
if(SL_UNITDIR)
  set(_unitdir "${SL_UNITDIR}")
endif()

# stage SRC NAME: a copy of SRC in the build tree with the paths rewritten
# (one directory per DESTDIR and prefix: installs may run side by side)
string(MD5 _key "$ENV{DESTDIR}|${_p}|${_etc}|${_unitdir}")
set(_stage "${SL_BUILD}/deploy/staged/${_key}")
file(MAKE_DIRECTORY "${_stage}")
function(stage src name)
  file(READ "${src}" _u)
  string(REPLACE "/usr/bin/" "${_p}/${SL_BINDIR}/" _u "${_u}")
  string(REPLACE "/usr/libexec/" "${_p}/${SL_LIBEXECDIR}/" _u "${_u}")
  string(REPLACE "/usr/share/" "${_p}/${SL_DATADIR}/" _u "${_u}")
  string(REPLACE "/etc/sluice/" "${_etc}/sluice/" _u "${_u}")
  file(WRITE "${_stage}/${name}" "${_u}")
endfunction()

stage("${SL_SRC}/deploy/sluice.conf" sluice.conf)
file(INSTALL DESTINATION "${_etc}/sluice" TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE FILES "${_stage}/sluice.conf")
foreach(unit sluice-dataplane.service sluice-controlplane.service)
  stage("${SL_SRC}/deploy/systemd/${unit}" ${unit})
  file(INSTALL DESTINATION "${_unitdir}" TYPE FILE
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES "${_stage}/${unit}")
endforeach()
