# Install rules and CPack packages; included from the top-level CMakeLists.txt after app/.
#   cmake --install build --prefix /some/where     the install tree
#   cmake --build build --target package           Linux: f3studio_<version>_<arch>.deb and a .tar.gz
# Only the programs and their desktop files are installed: no tests, benchmarks, static libraries
# or headers. Windows and macOS parts (untested) are at the end; see installer/README.md.
include(GNUInstallDirs)

set(F3_APP_ID io.github.f3studio.F3Studio)
set(F3_RESOURCES ${PROJECT_SOURCE_DIR}/resources)

if(NOT WIN32 AND NOT APPLE)
  install(TARGETS f3studio-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  if(F3_BUILD_GUI)
    install(TARGETS f3studio RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()

  # The x86-64-v3 builds: the portable programs re-execute bin/../libexec/f3studio/<name>-x86-64-v3
  # when the CPU has AVX2 and FMA (core/src/kernels.cpp), so both directories must keep that shape.
  if(F3_DISPATCH)
    if(NOT CMAKE_INSTALL_BINDIR STREQUAL "bin" OR NOT CMAKE_INSTALL_LIBEXECDIR STREQUAL "libexec")
      message(WARNING "CMAKE_INSTALL_BINDIR=${CMAKE_INSTALL_BINDIR} and CMAKE_INSTALL_LIBEXECDIR=${CMAKE_INSTALL_LIBEXECDIR}: "
                      "installed programs look for their x86-64-v3 builds in bin/../libexec/f3studio only")
    endif()
    install(TARGETS f3studio-cli-x86-64-v3 RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/f3studio)
    if(F3_BUILD_GUI)
      install(TARGETS f3studio-x86-64-v3 RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/f3studio)
    endif()
  endif()

  # Desktop integration: launcher, icon and AppStream metadata (software centres) for the app.
  if(F3_BUILD_GUI)
    install(FILES ${F3_RESOURCES}/desktop/${F3_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/applications)
    install(FILES ${F3_RESOURCES}/desktop/${F3_APP_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/metainfo)
    install(FILES ${F3_RESOURCES}/icons/f3studio.svg DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/icons/hicolor/scalable/apps)
  endif()

  # Man pages, gzipped as Debian expects (plain when gzip is missing; man reads both).
  set(man_pages f3studio-cli.1)
  if(F3_BUILD_GUI)
    list(APPEND man_pages f3studio.1)
  endif()
  find_program(F3_GZIP gzip)
  set(man_files)
  foreach(page IN LISTS man_pages)
    if(F3_GZIP)
      add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}.gz
                         COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
                         COMMAND ${F3_GZIP} -9nc ${F3_RESOURCES}/man/${page} > ${CMAKE_BINARY_DIR}/man/${page}.gz
                         DEPENDS ${F3_RESOURCES}/man/${page} VERBATIM)
      list(APPEND man_files ${CMAKE_BINARY_DIR}/man/${page}.gz)
    else()
      list(APPEND man_files ${F3_RESOURCES}/man/${page})
    endif()
  endforeach()
  add_custom_target(f3_man_pages ALL DEPENDS ${man_files})
  install(FILES ${man_files} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

  # Debian keeps the license as /usr/share/doc/<package>/copyright.
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/f3studio RENAME copyright)
endif()

# ---- Packages ----------------------------------------------------------------------------------
set(F3_PACKAGE_CONTACT "F3 Studio developers <f3studio@users.noreply.github.com>" CACHE STRING
    "Maintainer of the packages (Debian's Maintainer field)")
set(CPACK_PACKAGE_NAME f3studio)
set(CPACK_PACKAGE_VENDOR "F3 Studio")
set(CPACK_PACKAGE_CONTACT "${F3_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "watch neural networks learn with and without backpropagation")
set(CPACK_PACKAGE_DESCRIPTION
"F3 Studio is a desktop app (f3studio) and a command-line runner (f3studio-cli)
for teaching and exploring how neural networks learn without backpropagation.
It trains backpropagation, feedback alignment, direct feedback alignment,
direct random target projection, F3 and shallow learning in lock-step (same
initial weights, feedback matrices and batch order) and shows loss, accuracy,
alignment with backpropagation, F3 staleness and the per-layer update timeline.")
set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "F3 Studio")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/")

if(NOT WIN32 AND NOT APPLE)
  set(CPACK_GENERATOR DEB TGZ)
  string(TOLOWER "${CMAKE_SYSTEM_NAME}" system)
  set(CPACK_PACKAGE_FILE_NAME "${CPACK_PACKAGE_NAME}-${PROJECT_VERSION}-${system}-${CMAKE_SYSTEM_PROCESSOR}") # the .tar.gz
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # f3studio_<version>_<arch>.deb
  set(CPACK_DEBIAN_PACKAGE_SECTION science)
  set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # Depends from the binaries' shared libraries (dpkg-shlibdeps)
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS dataset-fashion-mnist) # f3studio-cli --dataset fashion-mnist
endif()

# ---- Windows and macOS (untested: no such machine here; see installer/README.md) ---------------
if(WIN32 OR APPLE)
  if(NOT F3_BUILD_GUI)
    message(FATAL_ERROR "The Windows and macOS packages need the app: configure with F3_BUILD_GUI=ON")
  endif()
  find_package(Qt6 REQUIRED COMPONENTS Core) # for the deploy tools' location in this scope
  foreach(tool windeployqt macdeployqt)
    if(TARGET Qt6::${tool})
      set(F3_${tool} "$<TARGET_FILE:Qt6::${tool}>")
    else()
      find_program(F3_${tool} ${tool} HINTS "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_BINS}")
    endif()
  endforeach()
endif()

if(WIN32)
  # bin/ holds the programs, their Qt DLLs and plugins (windeployqt) and the other DLLs they load.
  install(TARGETS f3studio-cli f3studio RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} RUNTIME_DEPENDENCY_SET f3_dlls)
  install(RUNTIME_DEPENDENCY_SET f3_dlls DESTINATION ${CMAKE_INSTALL_BINDIR}
          DIRECTORIES $ENV{PATH} # where the MinGW/vcpkg DLLs (zlib, OpenMP, QCustomPlot) are found
          PRE_EXCLUDE_REGEXES "api-ms-.*" "ext-ms-.*" "[Qq]t6.*" # Qt's DLLs come from windeployqt
          POST_EXCLUDE_REGEXES ".*[Ss]ystem32/.*")
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
  install(CODE "execute_process(COMMAND \"${F3_windeployqt}\" --release --no-translations --no-compiler-runtime
                  \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/$<TARGET_FILE_NAME:f3studio>\"
                COMMAND_ERROR_IS_FATAL ANY)")
  set(CMAKE_INSTALL_SYSTEM_RUNTIME_DESTINATION ${CMAKE_INSTALL_BINDIR})
  include(InstallRequiredSystemLibraries) # the MSVC runtime, when built with MSVC
  set(CPACK_GENERATOR NSIS)
  set(CPACK_PACKAGE_FILE_NAME "${CPACK_PACKAGE_NAME}-${PROJECT_VERSION}-windows-x64")
  set(CPACK_NSIS_DISPLAY_NAME "F3 Studio")
  set(CPACK_NSIS_PACKAGE_NAME "F3 Studio ${PROJECT_VERSION}")
  set(CPACK_NSIS_URL_INFO_ABOUT "${PROJECT_HOMEPAGE_URL}")
  set(CPACK_NSIS_MODIFY_PATH ON) # offer to put bin/ (f3studio-cli) on PATH
  set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
  set(CPACK_PACKAGE_EXECUTABLES f3studio "F3 Studio") # Start menu shortcut
elseif(APPLE)
  # f3studio.app with the CLI beside the app's executable; macdeployqt copies Qt and the other
  # dylibs (libomp, QCustomPlot) into the bundle and rewrites both programs' references.
  set_target_properties(f3studio PROPERTIES
    MACOSX_BUNDLE ON
    MACOSX_BUNDLE_BUNDLE_NAME "F3 Studio"
    MACOSX_BUNDLE_GUI_IDENTIFIER ${F3_APP_ID}
    MACOSX_BUNDLE_BUNDLE_VERSION ${PROJECT_VERSION}
    MACOSX_BUNDLE_SHORT_VERSION_STRING ${PROJECT_VERSION})
  install(TARGETS f3studio BUNDLE DESTINATION .)
  install(TARGETS f3studio-cli RUNTIME DESTINATION f3studio.app/Contents/MacOS)
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION .)
  install(CODE "execute_process(COMMAND \"${F3_macdeployqt}\" \"\${CMAKE_INSTALL_PREFIX}/f3studio.app\"
                  \"-executable=\${CMAKE_INSTALL_PREFIX}/f3studio.app/Contents/MacOS/f3studio-cli\"
                COMMAND_ERROR_IS_FATAL ANY)")
  set(CPACK_GENERATOR DragNDrop)
  set(CPACK_PACKAGE_FILE_NAME "${CPACK_PACKAGE_NAME}-${PROJECT_VERSION}-macos")
  set(CPACK_DMG_VOLUME_NAME "F3 Studio ${PROJECT_VERSION}")
endif()

include(CPack)
